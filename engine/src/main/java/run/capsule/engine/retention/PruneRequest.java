package run.capsule.engine.retention;

import run.capsule.store.PruneCriteria;

import java.time.Duration;
import java.time.Instant;

/**
 * What to prune: task trees finished more than {@code olderThan} ago (by the database clock), or before
 * {@code finishedBefore}; one of the two is set. See docs/sql.md, "Retention".
 */
public record PruneRequest(Duration olderThan, Instant finishedBefore, boolean keepFailed, boolean dryRun, int batchTasks) {
    public PruneRequest {
        if ((olderThan == null) == (finishedBefore == null)) {
            throw new IllegalArgumentException("set exactly one of olderThan and finishedBefore");
        }
        if (olderThan != null && (olderThan.isNegative() || olderThan.isZero())) {
            throw new IllegalArgumentException("olderThan must be positive");
        }
        if (batchTasks < 1) {
            throw new IllegalArgumentException("batchTasks must be at least 1");
        }
    }

    public static PruneRequest olderThan(Duration age) {
        return new PruneRequest(age, null, false, false, PruneCriteria.DEFAULT_BATCH_TASKS);
    }

    public static PruneRequest finishedBefore(Instant cutoff) {
        return new PruneRequest(null, cutoff, false, false, PruneCriteria.DEFAULT_BATCH_TASKS);
    }

    public PruneRequest withKeepFailed(boolean keep) {
        return new PruneRequest(olderThan, finishedBefore, keep, dryRun, batchTasks);
    }

    public PruneRequest withDryRun(boolean dry) {
        return new PruneRequest(olderThan, finishedBefore, keepFailed, dry, batchTasks);
    }

    public PruneRequest withBatchTasks(int n) {
        return new PruneRequest(olderThan, finishedBefore, keepFailed, dryRun, n);
    }
}
