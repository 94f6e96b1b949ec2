package run.capsule.protocol;

import java.util.Map;

/**
 * One network request a guest made through the host-call channel, as recorded: secrets in {@code url} and
 * {@code headers} are redacted. {@code status} is null when no response came (refused or failed: see
 * {@code error}). {@code atEpochMs} is when it started.
 */
public record HostRequest(
        int seq,
        long atEpochMs,
        String method,
        String url,
        Map<String, String> headers,
        Integer status,
        long bytesSent,
        long bytesReceived,
        long durationMs,
        String error) {
}
