package run.capsule.service.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.service.http.Json;

import java.util.HashSet;
import java.util.Set;

/**
 * Turns the arguments of {@code run_python}, {@code run_javascript} and {@code submit_task} into the service's submit body
 * (docs/api.md), so the REST API's checks and the operator's bounds apply unchanged. The code goes in as written: a source
 * without {@code main} is a snippet under the engine's one rule (docs/languages.md).
 */
final class SubmitBodies {
    static final Set<String> RUN_ARGUMENTS = Set.of("code", "args", "timeout", "compute", "ram", "allowed_hosts");
    static final Set<String> SUBMIT_ARGUMENTS;

    static {
        Set<String> submit = new HashSet<>(RUN_ARGUMENTS);
        submit.addAll(Set.of("language", "name", "idempotency_key", "labels", "max_retries"));
        SUBMIT_ARGUMENTS = Set.copyOf(submit);
    }

    private SubmitBodies() {
    }

    static ObjectNode run(ToolArguments a, String language) {
        return body(a, language);
    }

    static ObjectNode submit(ToolArguments a) {
        String language = a.requiredText("language");
        if (!language.equals("python") && !language.equals("javascript")) {
            throw new ToolArgumentException("language: python or javascript, not '" + language + "'");
        }
        ObjectNode body = body(a, language);
        if (a.text("name") != null) {
            body.put("name", a.text("name"));
        }
        if (a.text("idempotency_key") != null) {
            body.put("idempotency_key", a.text("idempotency_key"));
        }
        if (a.has("labels")) {
            body.set("labels", a.stringMap("labels"));
        }
        if (a.has("max_retries")) {
            ((ObjectNode) body.get("limits")).put("max_retries", a.integer("max_retries", 0, 100, 0));
        }
        return body;
    }

    private static ObjectNode body(ToolArguments a, String language) {
        ObjectNode body = Json.object().put("language", language).put("source", a.requiredText("code"));
        JsonNode args = a.raw("args");
        if (args != null && !args.isNull()) {
            if (args.isArray()) {
                body.set("args", args);
            } else if (args.isObject()) {
                body.set("kwargs", args);
            } else {
                throw new ToolArgumentException("args: an array (positional) or an object (keyword arguments)");
            }
        }
        ObjectNode limits = body.putObject("limits");
        putIfGiven(limits, "compute", a.textOrNumber("compute", ""));
        putIfGiven(limits, "ram", a.textOrNumber("ram", ""));
        putIfGiven(limits, "timeout", a.textOrNumber("timeout", "s"));
        if (a.has("allowed_hosts")) {
            body.putObject("grants").set("hosts", a.strings("allowed_hosts"));
        }
        return body;
    }

    private static void putIfGiven(ObjectNode node, String name, String value) {
        if (value != null) {
            node.put(name, value);
        }
    }

    /** The service's message about a submit body, reworded with the tool's argument names. */
    static String inToolTerms(String message) {
        String line = message == null ? "invalid arguments" : message.strip().lines().findFirst().orElse("invalid arguments");
        return line.replaceFirst("^limits\\.", "").replaceFirst("^grants\\.hosts", "allowed_hosts").replaceFirst("^kwargs", "args")
                .replaceFirst("^source", "code").replace("'source' (Python or JavaScript text)", "'code'");
    }
}
