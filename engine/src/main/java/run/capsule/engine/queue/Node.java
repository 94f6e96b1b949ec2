package run.capsule.engine.queue;

import run.capsule.store.Claim;
import run.capsule.store.Journal;

import java.util.Map;
import run.capsule.engine.execution.NextClaims;
import run.capsule.engine.node.RetryTimers;
import run.capsule.engine.spec.TaskListener;

/** What a {@link Worker} needs of the engine node it consumes the queue for: no more than this, so it does not depend on the facade. */
public interface Node {
    String nodeId();

    /** How many attempts it runs at once. */
    int runners();

    Journal journal();

    /** Runs a claimed attempt; schedules its retry timer on {@code timers} when it fails and will be retried. */
    void executeClaim(Claim claim, TaskListener listener, RetryTimers timers) throws InterruptedException;

    /** The attempts this node runs now, by task id. */
    Map<String, Integer> activeAttempts();

    void stopAttempt(String taskId);

    /** Whether the node's lease is current, so it may claim (false after it could not heartbeat for a lease). */
    default boolean holdsLease() {
        return true;
    }

    /** Has the node's group commit claim due tasks for {@code claims} with the attempt ends it writes. */
    void claimWithEnds(NextClaims claims);

    /** Stops that, if {@code claims} is still the one it claims for. */
    void stopClaimingWithEnds(NextClaims claims);
}
