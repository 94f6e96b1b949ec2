package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.protocol.Program;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ops a Python or JavaScript guest library uses to learn what to run and to report how it ended
 * (docs/languages.md): {@code invocation}, {@code begin}, {@code result} and {@code env}.
 */
final class ProgramCalls {
    private ProgramCalls() {
    }

    /** The guest library is about to call the task's function: from here on the task's own code runs. */
    static HostCallDispatcher.Operation begin(GuestReport report) {
        return request -> {
            report.begin();
            return HostCallDispatcher.JSON.createObjectNode();
        };
    }

    static HostCallDispatcher.Operation invocation(Program program, GuestReport report) {
        return request -> {
            ObjectNode reply = HostCallDispatcher.JSON.createObjectNode();
            if (program == null) {
                throw new HostCallException(ErrorType.UNSUPPORTED, "this attempt runs a module, not a Python or JavaScript task");
            }
            reply.put("language", program.language());
            reply.put("mode", program.mode());
            reply.put("file", program.file());
            reply.put("task", program.task());
            reply.put("durable", report.steps().enabled());
            JsonNode input;
            try {
                input = program.input() == null ? HostCallDispatcher.JSON.createObjectNode() : HostCallDispatcher.JSON.readTree(program.input());
            } catch (IOException e) {
                throw new HostCallException(ErrorType.INTERNAL_ERROR, "the task's input is not valid JSON");
            }
            reply.set("args", input.path("args").isArray() ? input.get("args") : HostCallDispatcher.JSON.createArrayNode());
            reply.set("kwargs", input.path("kwargs").isObject() ? input.get("kwargs") : HostCallDispatcher.JSON.createObjectNode());
            return reply;
        };
    }

    /** {@code env}: the environment variables granted to the task, for guests without WASI's environment (JavaScript). */
    static HostCallDispatcher.Operation env(Map<String, String> variables) {
        return request -> {
            ObjectNode reply = HostCallDispatcher.JSON.createObjectNode();
            ObjectNode values = reply.putObject("variables");
            new TreeMap<>(variables == null ? Map.<String, String>of() : variables).forEach(values::put);
            return reply;
        };
    }

    static HostCallDispatcher.Operation result(GuestReport report) {
        return request -> {
            JsonNode error = request.get("error");
            if (error != null && error.isObject()) {
                report.error(text(error, "type", "Error"), text(error, "message", ""), text(error, "traceback", null));
            } else if (request.has("value")) {
                report.value(request.get("value"));
            } else {
                throw new HostCallException(ErrorType.BAD_REQUEST, "result needs \"value\" or an \"error\" object");
            }
            return HostCallDispatcher.JSON.createObjectNode();
        };
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? fallback : value.asText();
    }
}
