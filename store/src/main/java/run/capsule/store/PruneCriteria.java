package run.capsule.store;

import java.time.OffsetDateTime;

/**
 * Which task trees a prune deletes: those whose every task is finished and last changed before {@code finishedBefore};
 * with {@code keepFailed}, no tree holding a FAILED task. {@code batchTasks} bounds the tasks deleted per transaction.
 */
public record PruneCriteria(OffsetDateTime finishedBefore, boolean keepFailed, boolean dryRun, String requestedBy, int batchTasks) {
    public static final int DEFAULT_BATCH_TASKS = 500;

    public PruneCriteria {
        if (finishedBefore == null) {
            throw new IllegalArgumentException("finishedBefore is required");
        }
        if (requestedBy == null || requestedBy.isBlank()) {
            throw new IllegalArgumentException("requestedBy is required");
        }
        if (batchTasks < 1) {
            throw new IllegalArgumentException("batchTasks must be at least 1");
        }
    }
}
