package run.capsule.engine.spec;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * The outcome of a task in the shape of the JSON envelope (docs/envelope.md):
 * {@code {"success", "result", "error": {"error_type", "message"}, "execution": {...}}}.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TaskResult(
        @JsonProperty("success") boolean success,
        @JsonProperty("result") JsonNode result,
        @JsonProperty("error") Error error,
        @JsonProperty("execution") Execution execution) {

    public record Error(@JsonProperty("error_type") String errorType, @JsonProperty("message") String message) {
        public ErrorType type() {
            return ErrorType.fromWire(errorType);
        }
    }

    public record Execution(
            @JsonProperty("task_id") String taskId,
            @JsonProperty("task_name") String taskName,
            @JsonProperty("duration_ms") long durationMs,
            @JsonProperty("retries") int retries,
            @JsonProperty("fuel_consumed") Long fuelConsumed,
            @JsonProperty("ram_used") Long ramUsed,
            @JsonProperty("host_requests") List<Object> hostRequests) {
    }

    /** A task refused before anything was journaled. */
    public static TaskResult invalidInput(String taskName, String message) {
        return new TaskResult(false, null, new Error(ErrorType.INVALID_INPUT.wireName(), message),
                new Execution(null, taskName, 0, 0, null, null, List.of()));
    }
}
