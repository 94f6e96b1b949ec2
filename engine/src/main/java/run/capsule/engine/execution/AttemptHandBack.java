package run.capsule.engine.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.Claim;
import run.capsule.store.Journal;

/**
 * An attempt whose engine side failed (a journal read or write that broke mid-way, as when the database restarts) is
 * handed back to the queue, fenced on its attempt number, once the journal can be reached: otherwise it would stay
 * RUNNING on a node that keeps heartbeating, which no lease recovery ever takes over.
 */
public final class AttemptHandBack {
    private static final Logger log = LoggerFactory.getLogger(AttemptHandBack.class);
    private final Journal journal;
    private final JournalOutage outage;

    public AttemptHandBack(Journal journal, String nodeId) {
        this.journal = journal;
        this.outage = new JournalOutage("node " + nodeId + " handing back attempts");
    }

    /** Returns whether the attempt went back to the queue (false: it had ended or moved on meanwhile). */
    public boolean afterEngineFailure(Claim claim, RuntimeException failure) throws InterruptedException {
        boolean handedBack = outage.untilReachable(() -> journal.tasks().handBack(claim.taskId(), claim.attemptNo(),
                "engine failure on this node: " + failure.getClass().getSimpleName()));
        log.warn("attempt {} of task {} failed in the engine ({}); {}", claim.attemptNo(), claim.taskId(), failure.getMessage(),
                handedBack ? "handed back to the queue" : "it was no longer current");
        return handedBack;
    }
}
