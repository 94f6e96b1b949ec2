package run.capsule.store;

import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

import java.util.LinkedHashMap;
import java.util.Map;

import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;

/**
 * A fenced status change of a task (docs/durability.md): the row is updated only while it still has the status and
 * attempt number the caller saw, and its {@code task_events} row is written in the same transaction. Claims, retries,
 * resumes, cancellations, recoveries, hand-backs and finished attempts all change status this way.
 */
record Transition(String taskId, TaskStatus from, int attempts, TaskStatus to) {

    /** Applies the change with the other columns in {@code also}; false when the task no longer matched (nothing written). */
    boolean apply(DSLContext tx, Map<Field<?>, Object> also, Integer eventAttempt, String reason) {
        return apply(tx, also, DSL.noCondition(), eventAttempt, reason);
    }

    /** As {@link #apply(DSLContext, Map, Integer, String)}, only while {@code when} holds too. */
    boolean apply(DSLContext tx, Map<Field<?>, Object> also, Condition when, Integer eventAttempt, String reason) {
        Map<Field<?>, Object> columns = new LinkedHashMap<>(also);
        columns.put(TASKS.STATUS, to.name());
        columns.put(TASKS.UPDATED_AT, DSL.currentOffsetDateTime());
        int changed = tx.update(TASKS).set(columns)
                .where(TASKS.ID.eq(taskId))
                .and(TASKS.STATUS.eq(from.name()))
                .and(TASKS.ATTEMPTS.eq(attempts))
                .and(when)
                .execute();
        if (changed != 1) {
            return false;
        }
        event(tx, taskId, eventAttempt, from, to, reason);
        return true;
    }

    /** Applies the change or refuses it with {@link StaleTransitionException}. */
    void applyOrRefuse(DSLContext tx, Map<Field<?>, Object> also, Integer eventAttempt, String reason, String refusal) {
        if (!apply(tx, also, eventAttempt, reason)) {
            throw new StaleTransitionException(refusal);
        }
    }

    static void event(DSLContext tx, String taskId, Integer attemptNo, TaskStatus from, TaskStatus to, String reason) {
        tx.insertInto(TASK_EVENTS)
                .set(TASK_EVENTS.TASK_ID, taskId)
                .set(TASK_EVENTS.ATTEMPT_NO, attemptNo)
                .set(TASK_EVENTS.AT, DSL.currentOffsetDateTime())
                .set(TASK_EVENTS.FROM_STATUS, from == null ? null : from.name())
                .set(TASK_EVENTS.TO_STATUS, to.name())
                .set(TASK_EVENTS.REASON, reason)
                .execute();
    }
}
