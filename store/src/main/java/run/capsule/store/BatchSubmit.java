package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;
import static run.capsule.store.jooq.Tables.TASK_SECRETS;

/**
 * Journals many new PENDING tasks in one transaction: their modules, then one multi-row insert each for the tasks, their
 * secrets and their {@code submitted} events (the rows one {@link TaskJournal#create} writes, without an idempotency key).
 */
final class BatchSubmit {
    /** Rows per insert statement, well under the bind-parameter limits of H2 and PostgreSQL (15 columns a task row). */
    private static final int ROWS_PER_INSERT = 1000;

    private BatchSubmit() {
    }

    static void create(DSLContext dsl, List<NewTask> tasks, Map<String, byte[]> modules) {
        for (NewTask task : tasks) {
            if (task.idempotencyKey() != null) {
                throw new IllegalArgumentException("a batch of tasks takes no idempotency key (task " + task.id() + ")");
            }
            if (!modules.containsKey(task.moduleSha256())) {
                throw new IllegalArgumentException("no module bytes for task " + task.id());
            }
        }
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            modules.forEach((digest, bytes) -> ModuleStore.put(tx, digest, bytes));
            for (int from = 0; from < tasks.size(); from += ROWS_PER_INSERT) {
                insert(tx, tasks.subList(from, Math.min(tasks.size(), from + ROWS_PER_INSERT)));
            }
            QueueSignals.queued(tx);
        });
    }

    private static void insert(DSLContext tx, List<NewTask> tasks) {
        Field<OffsetDateTime> now = DSL.currentOffsetDateTime();
        var rows = tx.insertInto(TASKS, TASKS.ID, TASKS.NAME, TASKS.STATUS, TASKS.PARENT_ID, TASKS.MODULE_SHA256, TASKS.CREATED_AT,
                TASKS.UPDATED_AT, TASKS.RUN_AT, TASKS.ATTEMPTS, TASKS.MAX_RETRIES, TASKS.CONFIG, TASKS.LANGUAGE, TASKS.ROOT_ID,
                TASKS.RERUN_OF);
        var events = tx.insertInto(TASK_EVENTS, TASK_EVENTS.TASK_ID, TASK_EVENTS.ATTEMPT_NO, TASK_EVENTS.AT, TASK_EVENTS.FROM_STATUS,
                TASK_EVENTS.TO_STATUS, TASK_EVENTS.REASON);
        var secrets = tx.insertInto(TASK_SECRETS, TASK_SECRETS.TASK_ID, TASK_SECRETS.ENV_JSON);
        boolean anySecrets = false;
        for (NewTask task : tasks) {
            rows = rows.values(DSL.val(task.id()), DSL.val(task.name()), DSL.val(TaskStatus.PENDING.name()), DSL.val(task.parentId()),
                    DSL.val(task.moduleSha256()), now, now, task.runAt() == null ? now : DSL.val(task.runAt()), DSL.val(0),
                    DSL.val(task.maxRetries()), DSL.val(task.configJson()), DSL.val(TaskLanguage.of(task.configJson())),
                    TaskTrees.rootOf(task.id(), task.parentId()), DSL.val(task.rerunOf()));
            String reason = task.runAt() == null ? "submitted" : "submitted, due at " + task.runAt().toInstant();
            events = events.values(DSL.val(task.id()), DSL.val((Integer) null), now, DSL.val((String) null),
                    DSL.val(TaskStatus.PENDING.name()), DSL.val(reason));
            if (task.envJson() != null) {
                secrets = secrets.values(task.id(), task.envJson());
                anySecrets = true;
            }
        }
        rows.execute();
        events.execute();
        if (anySecrets) {
            secrets.execute();
        }
        for (NewTask task : tasks) {
            TaskLabels.insert(tx, task.id(), task.labels());
        }
    }
}
