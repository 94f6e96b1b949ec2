package run.capsule.store;

import java.time.Duration;

/** One prune run as journaled in {@code prune_runs}: its id, criteria, what it deleted, how it ended and how long it took. */
public record PruneReport(long runId, PruneCriteria criteria, PruneCounts deleted, Outcome outcome, long treesSkipped, Duration elapsed) {
    public enum Outcome { COMPLETED, INTERRUPTED, FAILED }
}
