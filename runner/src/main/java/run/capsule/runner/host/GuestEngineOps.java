package run.capsule.runner.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.protocol.EngineOp;
import run.capsule.protocol.ErrorType;

import java.util.ArrayList;
import java.util.List;

/** A guest's {@code task.*} host call (docs/host-api.md) as the typed engine call it becomes. */
final class GuestEngineOps {
    private GuestEngineOps() {
    }

    /** The engine call for a guest's {@code task.start}, {@code task.call} or {@code task.wait} request. */
    static EngineOp of(JsonNode request) throws HostCallException {
        String op = request.path("op").asText();
        return switch (op) {
            case EngineOp.TASK_START -> new EngineOp.StartChild(task(request), args(request), kwargs(request), null);
            case EngineOp.TASK_CALL -> new EngineOp.CallChild(task(request), args(request), kwargs(request), null);
            case EngineOp.TASK_WAIT -> new EngineOp.WaitChildren(ids(request), request.path("any").asBoolean(false),
                    request.hasNonNull("timeout_ms") ? Long.valueOf(request.get("timeout_ms").asLong(-1)) : null);
            default -> throw new HostCallException(ErrorType.UNKNOWN_OP, "unknown op \"" + op + "\"");
        };
    }

    /** The same child request, carrying the child step it makes. */
    static EngineOp.ChildRequest withStep(EngineOp.ChildRequest request, EngineOp.ChildStep step) {
        return request instanceof EngineOp.CallChild
                ? new EngineOp.CallChild(request.task(), request.args(), request.kwargs(), step)
                : new EngineOp.StartChild(request.task(), request.args(), request.kwargs(), step);
    }

    static String task(JsonNode request) {
        return request.path("task").asText("");
    }

    static JsonNode args(JsonNode request) {
        return request.path("args").isArray() ? request.get("args") : HostCallDispatcher.JSON.createArrayNode();
    }

    static JsonNode kwargs(JsonNode request) {
        return request.path("kwargs").isObject() ? request.get("kwargs") : HostCallDispatcher.JSON.createObjectNode();
    }

    private static List<String> ids(JsonNode request) {
        List<String> ids = new ArrayList<>();
        request.path("ids").forEach(id -> ids.add(id.asText()));
        return ids;
    }

    /** {@code {"args": [...], "kwargs": {...}}}: what a child step asked, as journaled. */
    static ObjectNode asked(EngineOp.ChildRequest request) {
        ObjectNode asked = HostCallDispatcher.JSON.createObjectNode();
        asked.set("args", request.args() instanceof ArrayNode ? request.args() : HostCallDispatcher.JSON.createArrayNode());
        asked.set("kwargs", request.kwargs() instanceof ObjectNode ? request.kwargs() : HostCallDispatcher.JSON.createObjectNode());
        return asked;
    }
}
