package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static run.capsule.store.jooq.Tables.PRUNE_RUNS;

/**
 * Deletes finished task trees in bounded batches (docs/sql.md, "Retention"). Each batch is its own short transaction,
 * so an interrupted prune keeps what it deleted, and the next run simply finds fewer trees: prunes are resumable and
 * idempotent. Every run, dry runs included, is one row of {@code prune_runs}, its counts updated after each batch.
 */
public final class TaskPruning {
    private final DSLContext dsl;

    TaskPruning(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * Prunes by the criteria, stopping between batches when {@code stop} says so or the thread is interrupted.
     * Modules in {@code keepModules} (those of recurring schedules) are never deleted.
     */
    public PruneReport prune(PruneCriteria criteria, Set<String> keepModules, BooleanSupplier stop) {
        long started = System.nanoTime();
        long runId = dsl.insertInto(PRUNE_RUNS)
                .set(PRUNE_RUNS.STARTED_AT, DSL.currentOffsetDateTime())
                .set(PRUNE_RUNS.REQUESTED_BY, criteria.requestedBy())
                .set(PRUNE_RUNS.FINISHED_BEFORE, criteria.finishedBefore())
                .set(PRUNE_RUNS.KEEP_FAILED, criteria.keepFailed())
                .set(PRUNE_RUNS.DRY_RUN, criteria.dryRun())
                .set(PRUNE_RUNS.OUTCOME, "RUNNING")
                .returningResult(PRUNE_RUNS.ID).fetchOne().value1();
        Run run = new Run(runId, criteria, keepModules, stop, new PrunableTrees(dsl, criteria));
        try {
            boolean complete = true;
            for (String status : run.trees.statuses()) {
                complete = complete && run.pruneRootsOf(status);
            }
            complete = complete && run.flush();
            return finish(run, complete ? PruneReport.Outcome.COMPLETED : PruneReport.Outcome.INTERRUPTED, started);
        } catch (RuntimeException e) {
            finish(run, PruneReport.Outcome.FAILED, started);
            throw e instanceof JournalException ? e : new JournalException("prune failed: " + Journal.rootMessage(e), e);
        }
    }

    /** One prune run's walk: the batch being gathered and the totals so far. */
    private final class Run {
        final long runId;
        final PruneCriteria criteria;
        final Set<String> keepModules;
        final BooleanSupplier stop;
        final PrunableTrees trees;
        final PruneBatch batch = new PruneBatch();
        PruneCounts total = PruneCounts.NONE;
        long skipped;

        Run(long runId, PruneCriteria criteria, Set<String> keepModules, BooleanSupplier stop, PrunableTrees trees) {
            this.runId = runId;
            this.criteria = criteria;
            this.keepModules = keepModules;
            this.stop = stop;
            this.trees = trees;
        }

        /** Walks the roots of one status; false when stopped. */
        boolean pruneRootsOf(String status) {
            PrunableTrees.Cursor cursor = null;
            while (true) {
                var roots = trees.roots(status, cursor, criteria.batchTasks());
                if (roots.isEmpty()) {
                    return true;
                }
                var last = roots.get(roots.size() - 1);
                cursor = new PrunableTrees.Cursor(last.value2(), last.value1());
                for (PrunableTrees.Tree tree : trees.trees(roots)) {
                    if (tree == null) {
                        skipped++;
                        continue;
                    }
                    batch.add(tree);
                    if (batch.size() >= criteria.batchTasks() && !flush()) {
                        return false;
                    }
                }
            }
        }

        /** Deletes (or counts) the gathered batch; false when stopped before it. */
        boolean flush() {
            if (batch.isEmpty()) {
                return true;
            }
            if (stop.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                return false;
            }
            PruneCounts done = runBatch();
            if (done == null) {
                skipped += batch.treeCount();
            } else {
                total = total.plus(done);
                record(runId, total);
            }
            batch.clear();
            return true;
        }

        /** The batch's counts, or null when a task of it changed meanwhile (another prune took it): then nothing of it is deleted. */
        private PruneCounts runBatch() {
            if (criteria.dryRun()) {
                return batch.count(dsl, keepModules);
            }
            try {
                return batch.delete(dsl, keepModules);
            } catch (PruneBatch.ChangedMeanwhile | IntegrityConstraintViolationException e) {
                return null;
            }
        }
    }

    private PruneCounts record(long runId, PruneCounts total) {
        dsl.update(PRUNE_RUNS)
                .set(PRUNE_RUNS.TASKS_DELETED, total.tasks())
                .set(PRUNE_RUNS.ATTEMPTS_DELETED, total.attempts())
                .set(PRUNE_RUNS.EVENTS_DELETED, total.events())
                .set(PRUNE_RUNS.STEPS_DELETED, total.steps())
                .set(PRUNE_RUNS.HOST_REQUESTS_DELETED, total.hostRequests())
                .set(PRUNE_RUNS.MODULES_DELETED, total.modules())
                .where(PRUNE_RUNS.ID.eq(runId)).execute();
        return total;
    }

    private PruneReport finish(Run run, PruneReport.Outcome outcome, long started) {
        record(run.runId, run.total);
        dsl.update(PRUNE_RUNS)
                .set(PRUNE_RUNS.OUTCOME, outcome.name())
                .set(PRUNE_RUNS.FINISHED_AT, DSL.currentOffsetDateTime())
                .where(PRUNE_RUNS.ID.eq(run.runId)).execute();
        return new PruneReport(run.runId, run.criteria, run.total, outcome, run.skipped, Duration.ofNanos(System.nanoTime() - started));
    }
}
