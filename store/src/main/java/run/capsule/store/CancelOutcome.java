package run.capsule.store;

/** What a cancellation request did. */
public enum CancelOutcome {
    /** The task had not started (PENDING or RETRY_WAIT) and is now CANCELLED. */
    CANCELLED,
    /** The task is running; its node stops the attempt and records it CANCELLED. */
    REQUESTED,
    /** The task had already ended. */
    ALREADY_FINISHED,
    NOT_FOUND
}
