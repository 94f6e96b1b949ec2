package run.capsule.engine.retention;

import run.capsule.store.Journal;
import run.capsule.store.PruneCriteria;
import run.capsule.store.PruneReport;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.function.BooleanSupplier;

/** Prunes the journal for a node or a client: turns a request into the store's criteria, by the database clock. */
public final class Retention {
    private final Journal journal;
    private final String requestedBy;

    public Retention(Journal journal, String requestedBy) {
        this.journal = journal;
        this.requestedBy = requestedBy;
    }

    /** Prunes; {@code scheduledModules} (modules recurring schedules run) are kept; stops between batches when {@code stop} says so. */
    public PruneReport prune(PruneRequest request, Set<String> scheduledModules, BooleanSupplier stop) {
        OffsetDateTime cutoff = request.olderThan() != null
                ? journal.nodes().databaseNow().minus(request.olderThan())
                : request.finishedBefore().atOffset(ZoneOffset.UTC);
        PruneCriteria criteria = new PruneCriteria(cutoff, request.keepFailed(), request.dryRun(), requestedBy, request.batchTasks());
        return journal.pruning().prune(criteria, scheduledModules, stop);
    }
}
