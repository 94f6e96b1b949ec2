package run.capsule.store;

import java.time.OffsetDateTime;

public record AttemptRow(
        String taskId,
        int attemptNo,
        String nodeId,
        AttemptStatus status,
        OffsetDateTime startedAt,
        OffsetDateTime finishedAt,
        Long durationMs,
        Long fuelConsumed,
        Long ramUsed,
        Integer exitCode,
        String errorType,
        String errorMessage,
        String errorDetail) {
}
