package run.capsule.store;

import java.time.OffsetDateTime;

/**
 * One network request of an attempt, as journaled in {@code host_requests}: already redacted by the runner.
 * {@code headersJson} is the request's headers as a JSON object; {@code status} is null when no response came.
 */
public record HostRequestRow(
        int seq,
        OffsetDateTime at,
        String method,
        String url,
        String headersJson,
        Integer status,
        long bytesSent,
        long bytesReceived,
        long durationMs,
        String error) {
}
