package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.jooq.impl.DSL;
import run.capsule.store.jooq.tables.records.AttemptsRecord;
import run.capsule.store.jooq.tables.records.TaskEventsRecord;
import run.capsule.store.jooq.tables.records.TasksRecord;

import java.util.List;
import java.util.Optional;

import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;

/**
 * Tasks, attempts and their status changes. Every status change and its {@code task_events} row are
 * written in one transaction; a change whose precondition no longer holds is refused with
 * {@link StaleTransitionException} and writes nothing.
 */
public final class TaskJournal {
    private final DSLContext dsl;

    TaskJournal(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * Journals a new PENDING task together with its module bytes, in one transaction. Two tasks of the same
     * new module may race to insert it; the loser retries and then finds it there.
     */
    public void create(NewTask task, byte[] moduleBytes) {
        for (int attempt = 1; ; attempt++) {
            try {
                createOnce(task, moduleBytes);
                return;
            } catch (IntegrityConstraintViolationException e) {
                if (attempt >= 3 || !ModuleStore.contains(dsl, task.moduleSha256())) {
                    throw e;
                }
            }
        }
    }

    private void createOnce(NewTask task, byte[] moduleBytes) {
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            ModuleStore.put(tx, task.moduleSha256(), moduleBytes);
            tx.insertInto(TASKS)
                    .set(TASKS.ID, task.id())
                    .set(TASKS.NAME, task.name())
                    .set(TASKS.STATUS, TaskStatus.PENDING.name())
                    .set(TASKS.PARENT_ID, task.parentId())
                    .set(TASKS.MODULE_SHA256, task.moduleSha256())
                    .set(TASKS.CREATED_AT, DSL.currentOffsetDateTime())
                    .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .set(TASKS.ATTEMPTS, 0)
                    .set(TASKS.MAX_RETRIES, task.maxRetries())
                    .set(TASKS.CONFIG, task.configJson())
                    .execute();
            event(tx, task.id(), null, null, TaskStatus.PENDING, "submitted");
        });
    }

    /** Moves a PENDING or RETRY_WAIT task to RUNNING and opens its next attempt; returns the attempt number. */
    public int startAttempt(String taskId, String nodeId) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            TasksRecord task = tx.selectFrom(TASKS).where(TASKS.ID.eq(taskId)).forUpdate().fetchOne();
            if (task == null) {
                throw new JournalException("no task " + taskId);
            }
            TaskStatus from = TaskStatus.valueOf(task.getStatus());
            if (from != TaskStatus.PENDING && from != TaskStatus.RETRY_WAIT) {
                throw new StaleTransitionException("task " + taskId + " is " + from + ", not runnable");
            }
            int attemptNo = task.getAttempts() + 1;
            tx.update(TASKS)
                    .set(TASKS.STATUS, TaskStatus.RUNNING.name())
                    .set(TASKS.ATTEMPTS, attemptNo)
                    .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .where(TASKS.ID.eq(taskId))
                    .execute();
            tx.insertInto(ATTEMPTS)
                    .set(ATTEMPTS.TASK_ID, taskId)
                    .set(ATTEMPTS.ATTEMPT_NO, attemptNo)
                    .set(ATTEMPTS.NODE_ID, nodeId)
                    .set(ATTEMPTS.STATUS, AttemptStatus.RUNNING.name())
                    .set(ATTEMPTS.STARTED_AT, DSL.currentOffsetDateTime())
                    .execute();
            event(tx, taskId, attemptNo, from, TaskStatus.RUNNING, "attempt " + attemptNo + " started on " + nodeId);
            return attemptNo;
        });
    }

    /**
     * Closes a RUNNING attempt and moves its task on: SUCCEEDED, FAILED, CANCELLED, or RETRY_WAIT when
     * {@code retry} is set. Fenced on (task status RUNNING, attempt number): a stale writer changes nothing.
     */
    public TaskStatus finishAttempt(String taskId, int attemptNo, AttemptOutcome outcome, boolean retry, String reason) {
        TaskStatus to = switch (outcome.status()) {
            case SUCCEEDED -> TaskStatus.SUCCEEDED;
            case CANCELLED -> TaskStatus.CANCELLED;
            case FAILED, ABANDONED -> retry ? TaskStatus.RETRY_WAIT : TaskStatus.FAILED;
            case RUNNING -> throw new IllegalArgumentException("an outcome cannot be RUNNING");
        };
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            int tasksChanged = tx.update(TASKS)
                    .set(TASKS.STATUS, to.name())
                    .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .set(TASKS.RESULT, outcome.resultJson())
                    .set(TASKS.ERROR_TYPE, outcome.errorType())
                    .set(TASKS.ERROR_MESSAGE, outcome.errorMessage())
                    .where(TASKS.ID.eq(taskId))
                    .and(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                    .and(TASKS.ATTEMPTS.eq(attemptNo))
                    .execute();
            if (tasksChanged != 1) {
                throw new StaleTransitionException("attempt " + attemptNo + " of task " + taskId + " is no longer current");
            }
            int attemptsChanged = tx.update(ATTEMPTS)
                    .set(ATTEMPTS.STATUS, outcome.status().name())
                    .set(ATTEMPTS.FINISHED_AT, DSL.currentOffsetDateTime())
                    .set(ATTEMPTS.DURATION_MS, outcome.durationMs())
                    .set(ATTEMPTS.FUEL_CONSUMED, outcome.fuelConsumed())
                    .set(ATTEMPTS.RAM_USED, outcome.ramUsed())
                    .set(ATTEMPTS.EXIT_CODE, outcome.exitCode())
                    .set(ATTEMPTS.ERROR_TYPE, outcome.errorType())
                    .set(ATTEMPTS.ERROR_MESSAGE, outcome.errorMessage())
                    .where(ATTEMPTS.TASK_ID.eq(taskId))
                    .and(ATTEMPTS.ATTEMPT_NO.eq(attemptNo))
                    .and(ATTEMPTS.STATUS.eq(AttemptStatus.RUNNING.name()))
                    .execute();
            if (attemptsChanged != 1) {
                throw new StaleTransitionException("attempt " + attemptNo + " of task " + taskId + " is not running");
            }
            event(tx, taskId, attemptNo, TaskStatus.RUNNING, to, reason);
        });
        return to;
    }

    public Optional<TaskRow> find(String taskId) {
        return dsl.selectFrom(TASKS).where(TASKS.ID.eq(taskId)).fetchOptional().map(TaskJournal::toTask);
    }

    /** Tasks whose id starts with the given prefix (at most two, enough to tell a unique match). */
    public List<TaskRow> findByPrefix(String prefix) {
        return dsl.selectFrom(TASKS).where(TASKS.ID.startsWith(prefix)).limit(2).fetch(TaskJournal::toTask);
    }

    public List<TaskRow> recent(int limit) {
        return dsl.selectFrom(TASKS).orderBy(TASKS.CREATED_AT.desc(), TASKS.ID.desc()).limit(limit).fetch(TaskJournal::toTask);
    }

    public List<AttemptRow> attempts(String taskId) {
        return dsl.selectFrom(ATTEMPTS).where(ATTEMPTS.TASK_ID.eq(taskId)).orderBy(ATTEMPTS.ATTEMPT_NO).fetch(TaskJournal::toAttempt);
    }

    public List<EventRow> events(String taskId) {
        return dsl.selectFrom(TASK_EVENTS).where(TASK_EVENTS.TASK_ID.eq(taskId)).orderBy(TASK_EVENTS.ID).fetch(TaskJournal::toEvent);
    }

    private static void event(DSLContext tx, String taskId, Integer attemptNo, TaskStatus from, TaskStatus to, String reason) {
        tx.insertInto(TASK_EVENTS)
                .set(TASK_EVENTS.TASK_ID, taskId)
                .set(TASK_EVENTS.ATTEMPT_NO, attemptNo)
                .set(TASK_EVENTS.AT, DSL.currentOffsetDateTime())
                .set(TASK_EVENTS.FROM_STATUS, from == null ? null : from.name())
                .set(TASK_EVENTS.TO_STATUS, to.name())
                .set(TASK_EVENTS.REASON, reason)
                .execute();
    }

    private static TaskRow toTask(TasksRecord r) {
        return new TaskRow(r.getId(), r.getName(), TaskStatus.valueOf(r.getStatus()), r.getParentId(), r.getModuleSha256(),
                r.getCreatedAt(), r.getUpdatedAt(), r.getAttempts(), r.getMaxRetries(), r.getResult(), r.getErrorType(),
                r.getErrorMessage(), r.getConfig());
    }

    private static AttemptRow toAttempt(AttemptsRecord r) {
        return new AttemptRow(r.getTaskId(), r.getAttemptNo(), r.getNodeId(), AttemptStatus.valueOf(r.getStatus()),
                r.getStartedAt(), r.getFinishedAt(), r.getDurationMs(), r.getFuelConsumed(), r.getRamUsed(), r.getExitCode(),
                r.getErrorType(), r.getErrorMessage());
    }

    private static EventRow toEvent(TaskEventsRecord r) {
        return new EventRow(r.getTaskId(), r.getAttemptNo(), r.getAt(),
                r.getFromStatus() == null ? null : TaskStatus.valueOf(r.getFromStatus()),
                TaskStatus.valueOf(r.getToStatus()), r.getReason());
    }

}
