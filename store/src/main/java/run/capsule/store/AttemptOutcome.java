package run.capsule.store;
import run.capsule.protocol.HostRequest;
import run.capsule.protocol.StepRecord;
import java.util.List;

/**
 * What one attempt ended with, as the journal records it. {@code resultJson} is set on success,
 * {@code errorType}/{@code errorMessage} on failure, {@code errorDetail} the guest's traceback when it gave one. {@code hostRequests}: the guest's network requests, journaled
 * with the attempt.
 */
public record AttemptOutcome(
        AttemptStatus status,
        long durationMs,
        Long fuelConsumed,
        Long ramUsed,
        Integer exitCode,
        String resultJson,
        String errorType,
        String errorMessage,
        List<HostRequest> hostRequests,
        String errorDetail,
        List<StepRecord> steps,
        int replayedSteps,
        AttemptOutput output) {

    public AttemptOutcome(AttemptStatus status, long durationMs, Long fuelConsumed, Long ramUsed, Integer exitCode,
                          String resultJson, String errorType, String errorMessage, List<HostRequest> hostRequests,
                          String errorDetail, List<StepRecord> steps, int replayedSteps) {
        this(status, durationMs, fuelConsumed, ramUsed, exitCode, resultJson, errorType, errorMessage, hostRequests, errorDetail,
                steps, replayedSteps, null);
    }

    public AttemptOutcome(AttemptStatus status, long durationMs, Long fuelConsumed, Long ramUsed, Integer exitCode,
                          String resultJson, String errorType, String errorMessage, List<HostRequest> hostRequests) {
        this(status, durationMs, fuelConsumed, ramUsed, exitCode, resultJson, errorType, errorMessage, hostRequests, null);
    }

    public AttemptOutcome(AttemptStatus status, long durationMs, Long fuelConsumed, Long ramUsed, Integer exitCode,
                          String resultJson, String errorType, String errorMessage, List<HostRequest> hostRequests,
                          String errorDetail) {
        this(status, durationMs, fuelConsumed, ramUsed, exitCode, resultJson, errorType, errorMessage, hostRequests, errorDetail,
                List.of(), 0);
    }

    public AttemptOutcome {
        hostRequests = hostRequests == null ? List.of() : List.copyOf(hostRequests);
        steps = steps == null ? List.of() : List.copyOf(steps);
    }

    /** The same outcome with the live steps still to journal and the number of steps answered from the journal. */
    public AttemptOutcome withSteps(List<StepRecord> live, int replayed) {
        return new AttemptOutcome(status, durationMs, fuelConsumed, ramUsed, exitCode, resultJson, errorType, errorMessage, hostRequests,
                errorDetail, live, replayed, output);
    }

    /** The same outcome with another status (a cancelled or suspended attempt). */
    public AttemptOutcome withStatus(AttemptStatus to, String type, String message) {
        return new AttemptOutcome(to, durationMs, fuelConsumed, ramUsed, exitCode, null, type, message, hostRequests, errorDetail, steps,
                replayedSteps, output);
    }

    public AttemptOutcome(AttemptStatus status, long durationMs, Long fuelConsumed, Long ramUsed, Integer exitCode,
                          String resultJson, String errorType, String errorMessage) {
        this(status, durationMs, fuelConsumed, ramUsed, exitCode, resultJson, errorType, errorMessage, List.of());
    }

    public AttemptOutcome withHostRequests(List<HostRequest> requests) {
        return new AttemptOutcome(status, durationMs, fuelConsumed, ramUsed, exitCode, resultJson, errorType, errorMessage, requests, errorDetail,
                steps, replayedSteps, output);
    }

    /** The same outcome with the guest's traceback (journaled in {@code attempts.error_detail}). */
    public AttemptOutcome withErrorDetail(String detail) {
        return new AttemptOutcome(status, durationMs, fuelConsumed, ramUsed, exitCode, resultJson, errorType, errorMessage, hostRequests, detail,
                steps, replayedSteps, output);
    }

    /** The same outcome with the guest's captured stdout and stderr (journaled in {@code attempt_output}). */
    public AttemptOutcome withOutput(AttemptOutput captured) {
        return new AttemptOutcome(status, durationMs, fuelConsumed, ramUsed, exitCode, resultJson, errorType, errorMessage, hostRequests,
                errorDetail, steps, replayedSteps, captured);
    }

    public static AttemptOutcome succeeded(long durationMs, Long fuel, Long ram, Integer exitCode, String resultJson) {
        return new AttemptOutcome(AttemptStatus.SUCCEEDED, durationMs, fuel, ram, exitCode, resultJson, null, null);
    }

    public static AttemptOutcome failed(long durationMs, Long fuel, Long ram, Integer exitCode, String errorType, String message) {
        return new AttemptOutcome(AttemptStatus.FAILED, durationMs, fuel, ram, exitCode, null, errorType, message);
    }
}
