package run.capsule.runner.protocol;

/**
 * Runner to engine: how an attempt ended. {@code errorType} is null on success (exit code 0) and otherwise one
 * of the envelope's error types ({@code task_error}, {@code timeout}, {@code invalid_input}, {@code internal_error}).
 * {@code trap} names the WebAssembly trap when the guest trapped. {@code runnerExiting} says the runner halts
 * right after this frame, so the engine must not hand it another attempt.
 */
public record AttemptResult(
        String attemptId,
        Integer exitCode,
        String trap,
        String errorType,
        String message,
        String stdout,
        boolean stdoutTruncated,
        String stderr,
        boolean stderrTruncated,
        long durationMs,
        Long ramUsed,
        Long fuelConsumed,
        boolean runnerExiting) implements Message {

    public boolean succeeded() {
        return errorType == null;
    }
}
