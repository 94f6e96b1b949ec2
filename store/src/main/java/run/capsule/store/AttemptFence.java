package run.capsule.store;

import org.jooq.DSLContext;

import static run.capsule.store.jooq.Tables.TASKS;

/**
 * The fence on the writes an attempt makes while it runs (its steps, its children): they are refused unless the
 * attempt is still its task's current one. A node paused past its lease, whose attempt another node recovered, writes
 * nothing (docs/operations.md). The task row is locked, so a recovery cannot slip in between the check and the write.
 */
final class AttemptFence {
    private AttemptFence() {
    }

    static void require(DSLContext tx, String taskId, int attemptNo) {
        boolean current = tx.select(TASKS.ID).from(TASKS)
                .where(TASKS.ID.eq(taskId))
                .and(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                .and(TASKS.ATTEMPTS.eq(attemptNo))
                .forUpdate()
                .fetchOptional().isPresent();
        if (!current) {
            throw new StaleTransitionException("attempt " + attemptNo + " of task " + taskId + " is no longer current: the write is refused");
        }
    }
}
