package run.capsule.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The options one task of a Python or JavaScript source declares in its decorator ({@code @task(...)} /
 * {@code task({...}, fn)}): each null or empty when not given. {@code allowedFiles} are grants as written,
 * relative to the source file's directory; they are resolved to absolute host paths when the source is described.
 */
public record TaskOptions(String name, String compute, String ram, String timeout, Integer maxRetries,
                          List<String> allowedFiles, List<String> allowedHosts, List<String> envVariables) {

    public TaskOptions {
        allowedFiles = allowedFiles == null ? List.of() : List.copyOf(allowedFiles);
        allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
        envVariables = envVariables == null ? List.of() : List.copyOf(envVariables);
    }

    /** Reads the options as a guest library reports them: snake_case (Python) or camelCase (JavaScript) keys. */
    public static TaskOptions fromGuest(String name, JsonNode node) {
        return new TaskOptions(name, text(node, "compute"), text(node, "ram"), text(node, "timeout"),
                node.hasNonNull("max_retries") ? Integer.valueOf(number(node, "max_retries", name))
                        : node.hasNonNull("maxRetries") ? Integer.valueOf(number(node, "maxRetries", name)) : null,
                list(node, "allowed_files", "allowedFiles", name), list(node, "allowed_hosts", "allowedHosts", name),
                list(node, "env_variables", "envVariables", name));
    }

    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        if (compute != null) {
            node.put("compute", compute);
        }
        if (ram != null) {
            node.put("ram", ram);
        }
        if (timeout != null) {
            node.put("timeout", timeout);
        }
        if (maxRetries != null) {
            node.put("max_retries", maxRetries);
        }
        allowedFiles.forEach(node.withArray("allowed_files")::add);
        allowedHosts.forEach(node.withArray("allowed_hosts")::add);
        envVariables.forEach(node.withArray("env_variables")::add);
        return node;
    }

    public TaskOptions withAllowedFiles(List<String> files) {
        return new TaskOptions(name, compute, ram, timeout, maxRetries, files, allowedHosts, envVariables);
    }

    /** These options over {@code base}: what the decorator sets wins; the rest comes from {@code base}. */
    public Limits limitsOver(Limits base) {
        Limits.Builder limits = base.toBuilder();
        String where = "task " + name;
        if (compute != null) {
            limits.compute(Compute.parse(compute));
        }
        if (ram != null) {
            limits.ramBytes(Sizes.parse(where + " ram", ram));
        }
        if (timeout != null) {
            limits.timeout(Durations.parse(where + " timeout", timeout));
        }
        return limits.build();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return value.isNumber() ? value.asText() : value.asText().strip();
    }

    private static int number(JsonNode node, String field, String task) {
        JsonNode value = node.get(field);
        if (!value.canConvertToInt() || value.asInt() < 0 || value.asInt() > RetryPolicy.MAX_RETRIES) {
            throw new InvalidInputException("task " + task + ": " + field + " must be a whole number from 0 to " + RetryPolicy.MAX_RETRIES);
        }
        return value.asInt();
    }

    private static List<String> list(JsonNode node, String snake, String camel, String task) {
        JsonNode value = node.has(snake) ? node.get(snake) : node.get(camel);
        List<String> items = new ArrayList<>();
        if (value == null || value.isNull()) {
            return items;
        }
        if (!value.isArray()) {
            throw new InvalidInputException("task " + task + ": " + snake + " must be a list of strings");
        }
        value.forEach(v -> items.add(v.asText()));
        return items;
    }
}
