package run.capsule.runner.host;

import run.capsule.runner.protocol.RunAttempt;

/** Makes the host-call dispatcher for one attempt (its grants and deadline come from the request). */
@FunctionalInterface
public interface HostCalls {
    HostCallDispatcher dispatcherFor(RunAttempt request);

    /** Only {@code echo}: no op that reaches outside the runner. */
    HostCalls BASIC = request -> new HostCallDispatcher(HostCallDispatcher.basicOperations());
}
