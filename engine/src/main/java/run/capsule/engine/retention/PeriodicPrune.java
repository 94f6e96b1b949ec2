package run.capsule.engine.retention;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.PruneReport;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;

/**
 * A node's optional periodic prune ({@code capsule worker --prune-finished-before 30d}): one prune run every
 * {@code every}, the first one {@code every} after start, on one daemon thread. Closing stops a running prune between
 * two batches and waits for it.
 */
public final class PeriodicPrune implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeriodicPrune.class);
    private final ScheduledExecutorService executor;
    private volatile boolean closed;

    private PeriodicPrune(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    /** {@code prune} is the node's prune (a request and a stop signal in, a report out). */
    public static PeriodicPrune start(PruneRequest request, Duration every, BiFunction<PruneRequest, BooleanSupplier, PruneReport> prune) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "capsule-periodic-prune");
            t.setDaemon(true);
            return t;
        });
        PeriodicPrune periodic = new PeriodicPrune(executor);
        executor.scheduleWithFixedDelay(() -> periodic.runOnce(request, prune), every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return periodic;
    }

    private void runOnce(PruneRequest request, BiFunction<PruneRequest, BooleanSupplier, PruneReport> prune) {
        try {
            PruneReport report = prune.apply(request, () -> closed);
            log.info("prune run {}: {} ({} tasks, {} attempts deleted)", report.runId(), report.outcome(), report.deleted().tasks(),
                    report.deleted().attempts());
        } catch (RuntimeException e) {
            log.warn("periodic prune failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdown();
        try {
            executor.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
