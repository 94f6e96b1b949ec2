package run.capsule.engine.spec;

/** Lifecycle callbacks of one task, for progress output; called on engine threads, must not block. */
public interface TaskListener {
    TaskListener NONE = new TaskListener() {
    };

    default void submitted(String taskId, String taskName) {
    }

    default void attemptStarted(String taskId, int attemptNo, long runnerPid) {
    }

    default void guestStderr(String taskId, int attemptNo, String text) {
    }

    default void attemptFinished(String taskId, int attemptNo, String status, String errorType, String message, long durationMs) {
    }

    default void retryScheduled(String taskId, int nextAttemptNo, long delayMs) {
    }
}
