package run.capsule.engine.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.CancelOutcome;
import run.capsule.store.Claim;
import run.capsule.store.Journal;
import run.capsule.store.NodeRegistration;
import run.capsule.store.NodeStatus;
import run.capsule.store.StaleTransitionException;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import run.capsule.engine.execution.ActiveAttempts;
import run.capsule.engine.execution.JournalOutage;

/**
 * The background duties of every engine node: heartbeat, recovery of the running attempts of nodes whose
 * lease lapsed, and stopping attempts of this node whose tasks were asked to cancel.
 */
public final class NodeMaintenance implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeMaintenance.class);
    private static final long CANCEL_CHECK_MS = 250;
    private static final Duration KEEP_GONE_NODES = Duration.ofDays(7);
    private int beats;
    private final Journal journal;
    private final NodeRegistration registration;
    private final String nodeId;
    private final Duration heartbeatInterval;
    private final Duration lease;
    private final int maxRecoveries;
    private final ActiveAttempts active;
    private final Runnable drainRequested;
    private boolean drainSeen;
    /** When (System.nanoTime) the last heartbeat that renewed this node's lease was sent. */
    private volatile long renewedAt = System.nanoTime();
    private final JournalOutage outage;
    /**
     * When this node went a lease without a heartbeat getting through (the database restarting, a pool waiting for a
     * connection, this process paused), the others most likely could not beat either: none is judged lost until a
     * lease after its own heartbeat got through again.
     */
    private long judgeOthersAfterNanos = System.nanoTime();
    private long lastBeatNanos = System.nanoTime();
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "capsule-node-maintenance");
        t.setDaemon(true);
        return t;
    });

    private static final int ORPHANS_PER_BEAT = 500;

    /**
     * {@code lease}: how long a silent node keeps its attempts; {@code maxRecoveries}: how often one attempt is recovered
     * before it fails; {@code drainRequested}: run once (on this node's maintenance thread: it must not block) when a
     * heartbeat finds the node DRAINING ({@code capsule drain}).
     */
    public NodeMaintenance(Journal journal, NodeRegistration registration, Duration heartbeatInterval, Duration lease, int maxRecoveries,
                           ActiveAttempts active, Runnable drainRequested) {
        this.journal = journal;
        this.registration = registration;
        this.nodeId = registration.nodeId();
        this.heartbeatInterval = heartbeatInterval;
        this.lease = lease;
        this.maxRecoveries = maxRecoveries;
        this.active = active;
        this.drainRequested = drainRequested;
        this.outage = new JournalOutage("node " + nodeId);
    }

    public void start() {
        long beat = heartbeatInterval.toMillis();
        executor.scheduleWithFixedDelay(this::beat, beat, beat, TimeUnit.MILLISECONDS);
        executor.scheduleWithFixedDelay(this::stopCancelled, CANCEL_CHECK_MS, CANCEL_CHECK_MS, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        try {
            long sent = System.nanoTime();
            Optional<NodeStatus> status = journal.nodes().heartbeat(nodeId, active.size());
            if (status.isEmpty() || !status.get().isLive()) {
                comeBack(status.orElse(null));
            }
            renewedAt = sent;
            if (status.isPresent() && status.get() == NodeStatus.DRAINING && !drainSeen) {
                drainSeen = true;
                log.info("node {} asked to drain (capsule drain): it stops claiming", nodeId);
                drainRequested.run();
            }
            long now = System.nanoTime();
            if (now - lastBeatNanos > lease.toNanos()) {
                judgeOthersAfterNanos = now + lease.toNanos();
            }
            lastBeatNanos = now;
            outage.reached();
            if (now - judgeOthersAfterNanos >= 0) {
                recoverLapsedNodes();
            }
            journal.tasks().forgetFinishedSecrets();
            cancelOrphans();
            if (beats++ % 1000 == 0) {
                journal.nodes().pruneGone(KEEP_GONE_NODES);
            }
        } catch (RuntimeException e) {
            if (JournalOutage.isConnectionLoss(e)) {
                outage.failed(e);
            } else {
                log.warn("heartbeat failed: {}", e.getMessage());
            }
        }
    }

    /**
     * The heartbeat found this node LOST (its lease lapsed, as when the process was paused, and another node recovered
     * its attempts), STOPPED or gone from the table: it stops the attempts that are no longer its own, then takes its
     * place again.
     */
    private void comeBack(NodeStatus status) {
        int stopped = DisownedAttempts.stop(journal, nodeId, active);
        log.warn("node {} was declared {} by the journal (its heartbeat had lapsed); stopped {} attempt(s) it no longer owns, kept {}; rejoining",
                nodeId, status == null ? "gone" : status.name(), stopped, active.size() - stopped);
        if (status != NodeStatus.LOST || !journal.nodes().rejoin(nodeId)) {
            journal.nodes().register(registration);
        }
    }

    /**
     * Whether this node's lease is still its own: its last renewal was sent less than a lease ago. A node that could not
     * heartbeat for that long (paused, cut off from the database) may have been declared lost by now, so it claims
     * nothing until a heartbeat has told it where it stands (and it has stopped the attempts it lost).
     */
    public boolean holdsLease() {
        return System.nanoTime() - renewedAt < lease.toNanos();
    }

    /** Abandons the attempts of every node whose lease lapsed; returns how many tasks were requeued or failed. */
    public int recoverLapsedNodes() {
        int recovered = 0;
        for (String lost : journal.nodes().lapsed(nodeId, lease)) {
            if (journal.nodes().markLost(lost, lease)) {
                int n = journal.tasks().recoverNode(lost, "node " + lost + " lost (no heartbeat for " + lease.toMillis() + " ms)",
                        maxRecoveries);
                log.info("node {} lost; {} running task(s) recovered", lost, n);
                recovered += n;
            }
        }
        return recovered;
    }

    /**
     * Cancels the unfinished children of tasks that have ended, whichever way they ended and on whichever node (a task
     * that gave up after too many recoveries, or failed before it ran, cancels none itself), as a task's end does.
     */
    private void cancelOrphans() {
        for (String id : journal.tasks().orphans(ORPHANS_PER_BEAT)) {
            try {
                if (journal.tasks().requestCancel(id) == CancelOutcome.REQUESTED) {
                    active.stop(id);
                }
            } catch (StaleTransitionException e) {
                // it changed meanwhile: the next beat looks again
            }
        }
    }

    private void stopCancelled() {
        if (active.size() == 0) {
            return;
        }
        try {
            for (Claim claim : journal.tasks().cancelRequested(nodeId)) {
                active.stop(claim.taskId());
            }
        } catch (RuntimeException e) {
            if (JournalOutage.isConnectionLoss(e)) {
                outage.failed(e);
            } else {
                log.warn("cancel check failed: {}", e.getMessage());
            }
        }
    }

    @Override
    /**
     * Lets a heartbeat in progress finish rather than interrupting it: an interrupt during an H2 file write closes the
     * file channel and with it the embedded journal, and the node's close then could not hand back or mark itself STOPPED.
     */
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
