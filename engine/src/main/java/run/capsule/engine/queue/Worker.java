package run.capsule.engine.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.Claim;
import run.capsule.store.QueueSignals;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import run.capsule.engine.execution.JournalOutage;
import run.capsule.engine.execution.NextClaims;
import run.capsule.engine.node.RetryTimers;
import run.capsule.engine.spec.TaskListener;

/**
 * An engine node's queue consumer: claims due tasks up to the number of free runners, runs them, schedules
 * retry timers, and on {@link #close()} stops claiming, lets running attempts finish within the drain timeout
 * and hands the rest back to the queue.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    private final Node capsule;
    private final WorkerOptions options;
    private final int slots;
    private final ExecutorService attempts;
    private final Semaphore wakeUps = new Semaphore(0);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Thread dispatcher;
    private final RetryTimers timers;
    private final QueueSignals.Listener queued;
    private final NextClaims claimsWithEnds = new ClaimsWithEnds();
    private volatile boolean running = true;
    private final JournalOutage outage;
    private int claimFailures;

    public Worker(Node capsule, WorkerOptions options) {
        this.capsule = capsule;
        this.options = options;
        this.slots = capsule.runners();
        this.attempts = Executors.newFixedThreadPool(slots, r -> new Thread(r, "capsule-attempt"));
        this.outage = new JournalOutage("node " + capsule.nodeId() + " claiming");
        this.timers = RetryTimers.start(capsule.journal(), capsule.nodeId(), this::wake);
        this.queued = capsule.journal().queueSignals().listen(this::wake);
        capsule.claimWithEnds(claimsWithEnds);
        this.dispatcher = new Thread(this::dispatch, "capsule-dispatcher");
        this.dispatcher.start();
    }

    /** Claims now rather than at the next poll: for a node that has just submitted a task itself (capsule mcp's run tools). */
    public void wake() {
        wakeUps.release();
    }

    private void dispatch() {
        while (running) {
            int free = slots - inFlight.get();
            List<Claim> claims = List.of();
            if (free > 0 && capsule.holdsLease()) {
                try {
                    claims = capsule.journal().tasks().claimDue(capsule.nodeId(), free);
                    outage.reached();
                    claimFailures = 0;
                } catch (RuntimeException e) {
                    if (JournalOutage.isConnectionLoss(e)) {
                        outage.failed(e); // logged once per outage; polls back off meanwhile
                        claimFailures++;
                    } else {
                        log.warn("claiming failed: {}", e.getMessage());
                    }
                }
            }
            start(claims);
            if (claims.size() < Math.max(1, free)) {
                try {
                    long waitMs = options.pollInterval().toMillis();
                    if (claimFailures > 0) {
                        waitMs = Math.max(waitMs, JournalOutage.backoff(claimFailures).toMillis());
                    }
                    wakeUps.tryAcquire(waitMs, TimeUnit.MILLISECONDS);
                    wakeUps.drainPermits();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void start(List<Claim> claims) {
        for (Claim claim : claims) {
            inFlight.incrementAndGet();
            try {
                attempts.execute(() -> {
                    try {
                        capsule.executeClaim(claim, TaskListener.NONE, timers);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        log.error("attempt {} of task {} failed in the engine: {}", claim.attemptNo(), claim.taskId(), e.toString());
                    } finally {
                        inFlight.decrementAndGet();
                        wake();
                    }
                });
            } catch (RejectedExecutionException e) {
                inFlight.decrementAndGet();
                capsule.journal().tasks().handBack(claim.taskId(), claim.attemptNo(), "node " + capsule.nodeId() + " stopping");
            }
        }
    }

    /**
     * The claims the node's group commit makes with the attempt ends it writes: as many as the runners those ends free (so
     * up to the ends of that group more than the runners, when some of them were not this worker's; the extra ones wait
     * for a runner, claimed).
     */
    private final class ClaimsWithEnds implements NextClaims {
        @Override
        public String nodeId() {
            return capsule.nodeId();
        }

        @Override
        public int wanted(int ending) {
            return running && capsule.holdsLease() ? Math.max(0, Math.min(slots, slots - inFlight.get() + ending)) : 0;
        }

        @Override
        public void claimed(List<Claim> claims) {
            start(claims);
        }
    }

    /** Whether {@link #close} was called. */
    public boolean isClosed() {
        return !running;
    }

    /** Attempts running on this worker right now. */
    public int running() {
        return inFlight.get();
    }

    /** Stops claiming, drains and hands back; a second call (a drain, then the node's stop) does nothing. */
    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        capsule.stopClaimingWithEnds(claimsWithEnds);
        wake();
        try {
            dispatcher.join(5000);
            attempts.shutdown();
            if (!attempts.awaitTermination(options.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                Map<String, Integer> left = capsule.activeAttempts();
                for (Map.Entry<String, Integer> e : left.entrySet()) {
                    capsule.journal().tasks().handBack(e.getKey(), e.getValue(), "node " + capsule.nodeId() + " stopping");
                    capsule.stopAttempt(e.getKey());
                }
                log.info("handed {} running attempt(s) back to the queue", left.size());
                attempts.shutdownNow();
                attempts.awaitTermination(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            queued.close();
            timers.close();
        }
    }
}
