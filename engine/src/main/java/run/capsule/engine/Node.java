package run.capsule.engine;

import run.capsule.store.Claim;
import run.capsule.store.Journal;

import java.util.Map;

/** What a {@link Worker} needs of the engine node it consumes the queue for: no more than this, so it does not depend on {@link Capsule}. */
interface Node {
    CapsuleOptions options();

    Journal journal();

    /** Runs a claimed attempt; schedules its retry timer on {@code timers} when it fails and will be retried. */
    void executeClaim(Claim claim, TaskListener listener, RetryTimers timers) throws InterruptedException;

    /** The attempts this node runs now, by task id. */
    Map<String, Integer> activeAttempts();

    void stopAttempt(String taskId);
}
