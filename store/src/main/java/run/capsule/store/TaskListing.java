package run.capsule.store;

import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_LABELS;

/** Pages of tasks for the service API: newest first by (created_at, id), filtered, with a cursor. Reads only. */
public final class TaskListing {
    private static final Field<Boolean> RETRYING = DSL.field(DSL.exists(DSL.selectOne().from(ATTEMPTS)
            .where(ATTEMPTS.TASK_ID.eq(TASKS.ID)).and(ATTEMPTS.ATTEMPT_NO.eq(TASKS.ATTEMPTS))
            .and(ATTEMPTS.STATUS.in(AttemptStatus.FAILED.name(), AttemptStatus.ABANDONED.name()))));
    private final DSLContext dsl;

    TaskListing(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** A page of tasks and, when more follow, the cursor of the next page. */
    public record Page(List<TaskSummary> tasks, TaskFilter.PageCursor next) {
    }

    public Page page(TaskFilter filter) {
        List<Condition> where = conditions(filter);
        List<Record> rows = dsl.select(TASKS.ID, TASKS.NAME, TASKS.STATUS, TASKS.LANGUAGE, TASKS.PARENT_ID, TASKS.ROOT_ID, TASKS.RERUN_OF,
                        TASKS.CREATED_AT, TASKS.UPDATED_AT, TASKS.RUN_AT, TASKS.ATTEMPTS, TASKS.MAX_RETRIES, TASKS.ERROR_TYPE,
                        TASKS.ERROR_MESSAGE, RETRYING.as("retrying"))
                .from(TASKS).where(where)
                .orderBy(TASKS.CREATED_AT.desc(), TASKS.ID.desc())
                .limit(filter.limit() + 1)
                .fetch().stream().map(r -> (Record) r).toList();
        boolean more = rows.size() > filter.limit();
        List<Record> shown = more ? rows.subList(0, filter.limit()) : rows;
        List<TaskSummary> tasks = summaries(shown);
        TaskSummary last = tasks.isEmpty() ? null : tasks.get(tasks.size() - 1);
        return new Page(tasks, more ? new TaskFilter.PageCursor(last.createdAt(), last.id()) : null);
    }

    /** One task as a list shows it. */
    public Optional<TaskSummary> summary(String taskId) {
        List<Record> rows = dsl.select(TASKS.ID, TASKS.NAME, TASKS.STATUS, TASKS.LANGUAGE, TASKS.PARENT_ID, TASKS.ROOT_ID, TASKS.RERUN_OF,
                        TASKS.CREATED_AT, TASKS.UPDATED_AT, TASKS.RUN_AT, TASKS.ATTEMPTS, TASKS.MAX_RETRIES, TASKS.ERROR_TYPE,
                        TASKS.ERROR_MESSAGE, RETRYING.as("retrying"))
                .from(TASKS).where(TASKS.ID.eq(taskId)).fetch().stream().map(r -> (Record) r).toList();
        return summaries(rows).stream().findFirst();
    }

    /** The children of a task as lists show them, oldest first. */
    public List<TaskSummary> children(String parentId) {
        List<Record> rows = dsl.select(TASKS.ID, TASKS.NAME, TASKS.STATUS, TASKS.LANGUAGE, TASKS.PARENT_ID, TASKS.ROOT_ID, TASKS.RERUN_OF,
                        TASKS.CREATED_AT, TASKS.UPDATED_AT, TASKS.RUN_AT, TASKS.ATTEMPTS, TASKS.MAX_RETRIES, TASKS.ERROR_TYPE,
                        TASKS.ERROR_MESSAGE, RETRYING.as("retrying"))
                .from(TASKS).where(TASKS.PARENT_ID.eq(parentId)).orderBy(TASKS.CREATED_AT, TASKS.ID)
                .fetch().stream().map(r -> (Record) r).toList();
        return summaries(rows);
    }

    private List<TaskSummary> summaries(List<Record> rows) {
        Map<String, Map<String, String>> labels = TaskLabels.of(dsl, rows.stream().map(r -> r.get(TASKS.ID)).toList());
        List<TaskSummary> out = new ArrayList<>(rows.size());
        for (Record r : rows) {
            TaskStatus status = TaskStatus.valueOf(r.get(TASKS.STATUS));
            boolean retrying = status == TaskStatus.RETRY_WAIT && Boolean.TRUE.equals(r.get("retrying", Boolean.class));
            out.add(new TaskSummary(r.get(TASKS.ID), r.get(TASKS.NAME), status, retrying, r.get(TASKS.LANGUAGE), r.get(TASKS.PARENT_ID),
                    r.get(TASKS.ROOT_ID), r.get(TASKS.RERUN_OF), r.get(TASKS.CREATED_AT), r.get(TASKS.UPDATED_AT), r.get(TASKS.RUN_AT),
                    r.get(TASKS.ATTEMPTS), r.get(TASKS.MAX_RETRIES), r.get(TASKS.ERROR_TYPE), r.get(TASKS.ERROR_MESSAGE),
                    labels.getOrDefault(r.get(TASKS.ID), Map.of())));
        }
        return out;
    }

    private static List<Condition> conditions(TaskFilter filter) {
        List<Condition> where = new ArrayList<>();
        if (TaskFilter.RETRYING.equals(filter.status())) {
            where.add(TASKS.STATUS.eq(TaskStatus.RETRY_WAIT.name()));
            where.add(DSL.condition(RETRYING));
        } else if (filter.status() != null) {
            where.add(TASKS.STATUS.eq(filter.status()));
        }
        if (filter.name() != null) {
            where.add(TASKS.NAME.eq(filter.name()));
        }
        if (filter.language() != null) {
            where.add(TASKS.LANGUAGE.eq(filter.language()));
        }
        for (Map.Entry<String, String> label : filter.labels().entrySet()) {
            Condition match = TASK_LABELS.TASK_ID.eq(TASKS.ID).and(TASK_LABELS.NAME.eq(label.getKey()));
            if (label.getValue() != null) {
                match = match.and(TASK_LABELS.LABEL_VALUE.eq(label.getValue()));
            }
            where.add(DSL.exists(DSL.selectOne().from(TASK_LABELS).where(match)));
        }
        if (filter.parentId() != null) {
            where.add(TASKS.PARENT_ID.eq(filter.parentId()));
        }
        if (filter.rootsOnly()) {
            where.add(TASKS.PARENT_ID.isNull());
        }
        if (filter.since() != null) {
            where.add(TASKS.CREATED_AT.ge(filter.since()));
        }
        if (filter.until() != null) {
            where.add(TASKS.CREATED_AT.lt(filter.until()));
        }
        if (filter.query() != null) {
            where.add(TASKS.ID.startsWith(filter.query()).or(TASKS.NAME.eq(filter.query())));
        }
        if (filter.after() != null) {
            // a row comparison, which both databases read as one range of the (…, created_at, id) index from the cursor on
            where.add(DSL.row(TASKS.CREATED_AT, TASKS.ID).lt(filter.after().createdAt(), filter.after().id()));
        }
        return where;
    }
}
