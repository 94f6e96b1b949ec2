package run.capsule.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
                fileGrants(entries(node, "allowed_files", "allowedFiles", name, "strings or {path, mode} objects"), name), list(node, "allowed_hosts", "allowedHosts", name),
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

    private static List<JsonNode> entries(JsonNode node, String snake, String camel, String task, String ofWhat) {
        JsonNode value = node.has(snake) ? node.get(snake) : node.get(camel);
        List<JsonNode> items = new ArrayList<>();
        if (value == null || value.isNull()) {
            return items;
        }
        if (!value.isArray()) {
            throw new InvalidInputException("task " + task + ": " + snake + " must be a list of " + ofWhat);
        }
        value.forEach(items::add);
        return items;
    }

    private static List<String> list(JsonNode node, String snake, String camel, String task) {
        return entries(node, snake, camel, task, "strings").stream().map(JsonNode::asText).toList();
    }

    /**
     * File grants as written, in string form ({@code HOST[::GUEST][:ro|:rw]}) or Capsule's object form
     * {@code {"path": "./data", "mode": "read-only"}} (modes {@code read-only}/{@code ro}, {@code read-write}/{@code rw};
     * read-write when absent), which becomes {@code ./data:ro} or {@code ./data:rw}.
     */
    static List<String> fileGrants(List<JsonNode> entries, String task) {
        List<String> grants = new ArrayList<>();
        for (JsonNode entry : entries) {
            if (!entry.isObject()) {
                grants.add(entry.asText());
                continue;
            }
            JsonNode path = entry.get("path");
            if (path == null || !path.isTextual() || path.asText().isBlank()) {
                throw new InvalidInputException("task " + task + ": allowed_files entry " + entry + " needs a \"path\" string");
            }
            String mode = entry.hasNonNull("mode") ? entry.get("mode").asText().toLowerCase(Locale.ROOT) : "read-write";
            String suffix = switch (mode) {
                case "read-only", "ro" -> ":ro";
                case "read-write", "rw" -> ":rw";
                default -> throw new InvalidInputException("task " + task + ": allowed_files entry " + entry
                        + " has mode '" + entry.get("mode").asText() + "'; use read-only, read-write, ro or rw");
            };
            grants.add(path.asText() + suffix);
        }
        return grants;
    }
}
