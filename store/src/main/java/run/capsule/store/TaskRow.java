package run.capsule.store;

import java.time.OffsetDateTime;

public record TaskRow(
        String id,
        String name,
        TaskStatus status,
        String parentId,
        String moduleSha256,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt,
        int attempts,
        int maxRetries,
        String resultJson,
        String errorType,
        String errorMessage,
        String configJson,
        OffsetDateTime runAt,
        String claimedBy,
        int recoveries,
        String idempotencyKey) {
}
