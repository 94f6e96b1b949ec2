package run.capsule.engine.execution;

import com.fasterxml.jackson.annotation.JsonProperty;
import run.capsule.protocol.HostRequest;

import java.time.Instant;
import java.util.List;

/** A guest's network requests on their way from the runner's result to the journal, and from there to the envelope. */
final class HostRequests {
    /** One entry of the envelope's {@code execution.host_requests}. */
    record Entry(
            @JsonProperty("seq") int seq,
            @JsonProperty("at") String at,
            @JsonProperty("method") String method,
            @JsonProperty("url") String url,
            @JsonProperty("status") Integer status,
            @JsonProperty("bytes_sent") long bytesSent,
            @JsonProperty("bytes_received") long bytesReceived,
            @JsonProperty("duration_ms") long durationMs,
            @JsonProperty("error") String error) {
    }

    private HostRequests() {
    }

    static List<Object> toEnvelope(List<HostRequest> rows) {
        return rows.stream().<Object>map(r -> new Entry(r.seq(), Instant.ofEpochMilli(r.atEpochMs()).toString(), r.method(), r.url(), r.status(),
                r.bytesSent(), r.bytesReceived(), r.durationMs(), r.error())).toList();
    }
}
