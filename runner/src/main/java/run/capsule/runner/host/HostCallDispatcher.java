package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The host-call channel's one entry point: a JSON request object with an {@code op} field in, a JSON reply
 * object out. Never throws: anything that goes wrong becomes an {@code error} reply (docs/host-api.md).
 */
public final class HostCallDispatcher {
    /** The largest request accepted, in bytes of JSON. */
    public static final int MAX_REQUEST_BYTES = 2 * 1024 * 1024;
    static final ObjectMapper JSON = new ObjectMapper();

    /** One kind of request, named by its {@code op}. */
    public interface Operation {
        ObjectNode handle(JsonNode request) throws HostCallException;
    }

    private final Map<String, Operation> operations;
    private final String attemptId;
    private final EngineLink engine;
    private final long deadlineNanos;

    public HostCallDispatcher(Map<String, Operation> operations) {
        this(operations, null, EngineLink.NONE, Long.MAX_VALUE);
    }

    /** Serves {@code operations} itself and forwards the engine's ops ({@link EngineLink#forwards}) to {@code engine}. */
    public HostCallDispatcher(Map<String, Operation> operations, String attemptId, EngineLink engine, long deadlineNanos) {
        this.operations = Map.copyOf(operations);
        this.attemptId = attemptId;
        this.engine = engine;
        this.deadlineNanos = deadlineNanos;
    }

    /** A dispatcher with {@code echo} only (for tests and guests checking that the channel works). */
    public static Map<String, Operation> basicOperations() {
        return Map.of("echo", request -> JSON.createObjectNode().set("value", request.path("value")));
    }

    public byte[] dispatch(byte[] request) {
        ObjectNode reply;
        try {
            reply = handle(request);
        } catch (HostCallException e) {
            reply = error(e.type(), e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            reply = error(ErrorType.INTERNAL_ERROR, "host call failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage().lines().findFirst().orElse("") : ""));
        }
        try {
            return JSON.writeValueAsBytes(reply);
        } catch (JsonProcessingException e) {
            return "{\"error\":{\"type\":\"internal_error\",\"message\":\"reply could not be encoded\"}}".getBytes(StandardCharsets.UTF_8);
        }
    }

    private ObjectNode handle(byte[] request) throws HostCallException {
        if (request.length > MAX_REQUEST_BYTES) {
            throw new HostCallException(ErrorType.TOO_LARGE, "the request is " + request.length + " bytes; the limit is " + MAX_REQUEST_BYTES + " (2 MiB)");
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(request);
        } catch (JsonProcessingException e) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "request is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "request is not valid JSON");
        }
        if (parsed == null || !parsed.isObject()) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "request must be a JSON object");
        }
        JsonNode op = parsed.get("op");
        if (op == null || !op.isTextual()) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "request needs a string \"op\" field");
        }
        Operation operation = operations.get(op.asText());
        if (operation == null && EngineLink.forwards(op.asText())) {
            return engine.call(attemptId, GuestEngineOps.of(parsed), deadlineNanos);
        }
        if (operation == null) {
            throw new HostCallException(ErrorType.UNKNOWN_OP, "unknown op \"" + op.asText() + "\"; known: " + String.join(", ", operations.keySet().stream().sorted().toList()));
        }
        return operation.handle(parsed);
    }

    static ObjectNode error(ErrorType type, String message) {
        ObjectNode reply = JSON.createObjectNode();
        reply.putObject("error").put("type", type.wireName()).put("message", message);
        return reply;
    }
}
