package run.capsule.protocol;
import java.util.List;

/**
 * Runner to engine: how an attempt ended. {@code errorType} is null on success (exit code 0) and otherwise one
 * of the envelope's error types ({@code task_error}, {@code timeout}, {@code invalid_input}, {@code internal_error},
 * {@code limit_exceeded}: a write refused at the write quota or a cap on the task's journaled steps, docs/steps.md; ...).
 * {@code trap} names the WebAssembly trap when the guest trapped. {@code runnerExiting} says the runner halts
 * right after this frame, so the engine must not hand it another attempt. {@code hostRequests}: the network
 * requests the guest made through the host-call channel, in order (redacted). {@code value}: the JSON a Python or
 * JavaScript task returned (or, describing, its task list); {@code errorDetail}: the guest's traceback when it raised.
 * {@code steps}: journaled steps made live in this attempt and not yet sent with a {@code step.record} call (docs/steps.md);
 * {@code replayedSteps}: how many journaled steps this attempt was answered from the journal; {@code resumeAtEpochMs}:
 * with error type {@code suspended}, when the task's durable sleep ends.
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
        boolean runnerExiting,
        List<HostRequest> hostRequests,
        String value,
        String errorDetail,
        List<StepRecord> steps,
        int replayedSteps,
        Long resumeAtEpochMs) implements Message {
    public AttemptResult {
        hostRequests = hostRequests == null ? List.of() : List.copyOf(hostRequests);
        steps = steps == null ? List.of() : List.copyOf(steps);
    }

    public AttemptResult(String attemptId, Integer exitCode, String trap, String errorType, String message, String stdout,
                         boolean stdoutTruncated, String stderr, boolean stderrTruncated, long durationMs, Long ramUsed,
                         Long fuelConsumed, boolean runnerExiting, List<HostRequest> hostRequests, String value, String errorDetail) {
        this(attemptId, exitCode, trap, errorType, message, stdout, stdoutTruncated, stderr, stderrTruncated, durationMs,
                ramUsed, fuelConsumed, runnerExiting, hostRequests, value, errorDetail, List.of(), 0, null);
    }

    /** A result without network requests. */
    public AttemptResult(String attemptId, Integer exitCode, String trap, String errorType, String message, String stdout,
                         boolean stdoutTruncated, String stderr, boolean stderrTruncated, long durationMs, Long ramUsed,
                         Long fuelConsumed, boolean runnerExiting) {
        this(attemptId, exitCode, trap, errorType, message, stdout, stdoutTruncated, stderr, stderrTruncated, durationMs,
                ramUsed, fuelConsumed, runnerExiting, List.of(), null, null);
    }

    /** A result with network requests, without a reported value. */
    public AttemptResult(String attemptId, Integer exitCode, String trap, String errorType, String message, String stdout,
                         boolean stdoutTruncated, String stderr, boolean stderrTruncated, long durationMs, Long ramUsed,
                         Long fuelConsumed, boolean runnerExiting, List<HostRequest> hostRequests) {
        this(attemptId, exitCode, trap, errorType, message, stdout, stdoutTruncated, stderr, stderrTruncated, durationMs,
                ramUsed, fuelConsumed, runnerExiting, hostRequests, null, null);
    }

    public boolean succeeded() {
        return errorType == null;
    }
}
