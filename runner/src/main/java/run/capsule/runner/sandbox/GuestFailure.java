package run.capsule.runner.sandbox;

/** The driver of a JavaScript task failed without a trap; the message says why, for the task's author. */
final class GuestFailure extends RuntimeException {
    GuestFailure(String message) {
        super(message, null, false, false);
    }
}
