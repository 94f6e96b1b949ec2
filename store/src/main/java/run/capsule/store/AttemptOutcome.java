package run.capsule.store;

/**
 * What one attempt ended with, as the journal records it. {@code resultJson} is set on success,
 * {@code errorType}/{@code errorMessage} on failure.
 */
public record AttemptOutcome(
        AttemptStatus status,
        long durationMs,
        Long fuelConsumed,
        Long ramUsed,
        Integer exitCode,
        String resultJson,
        String errorType,
        String errorMessage) {

    public static AttemptOutcome succeeded(long durationMs, Long fuel, Long ram, Integer exitCode, String resultJson) {
        return new AttemptOutcome(AttemptStatus.SUCCEEDED, durationMs, fuel, ram, exitCode, resultJson, null, null);
    }

    public static AttemptOutcome failed(long durationMs, Long fuel, Long ram, Integer exitCode, String errorType, String message) {
        return new AttemptOutcome(AttemptStatus.FAILED, durationMs, fuel, ram, exitCode, null, errorType, message);
    }
}
