package run.capsule.engine;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import run.capsule.protocol.HostRequest;
import run.capsule.store.HostRequestRow;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** A guest's network requests on their way from the runner's result to the journal, and from there to the envelope. */
final class HostRequests {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    static List<HostRequestRow> toRows(List<HostRequest> requests) {
        return requests.stream().map(r -> new HostRequestRow(r.seq(),
                OffsetDateTime.ofInstant(Instant.ofEpochMilli(r.atEpochMs()), ZoneOffset.UTC), r.method(), r.url(),
                headersJson(r), r.status(), r.bytesSent(), r.bytesReceived(), r.durationMs(), r.error())).toList();
    }

    static List<Object> toEnvelope(List<HostRequestRow> rows) {
        return rows.stream().<Object>map(r -> new Entry(r.seq(), r.at().toInstant().toString(), r.method(), r.url(), r.status(),
                r.bytesSent(), r.bytesReceived(), r.durationMs(), r.error())).toList();
    }

    private static String headersJson(HostRequest request) {
        try {
            return request.headers() == null ? null : JSON.writeValueAsString(request.headers());
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
