package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import run.capsule.engine.spec.Compute;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.Sizes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Project defaults from {@code capsule.toml} in the working directory (the same keys as Capsule's):
 * {@code [workflow]} name, version, entrypoint; {@code [tasks]} default_compute, default_ram, default_timeout,
 * default_max_retries, default_allowed_files, default_allowed_hosts, default_env_variables; and the operator's ceilings
 * {@code [tasks]} max_compute, max_ram, max_timeout, max_depth, max_children, trust_declared, write_quota (docs/security.md);
 * {@code [tasks]} python_path, directories of pure-Python packages (a string or an array; docs/languages.md).
 * Flags override it.
 */
record ProjectConfig(String name, String version, String entrypoint, String compute, String ram, String timeout,
                     String maxRetries, List<String> allowedFiles, List<String> allowedHosts, List<String> envVariables,
                     Ceilings ceilings, List<String> pythonPath) {
    static final String FILE_NAME = "capsule.toml";
    static final ProjectConfig NONE = new ProjectConfig(null, null, null, null, null, null, null, List.of(), List.of(), List.of(), Ceilings.NONE, List.of());
    private static final Map<String, Set<String>> KEYS = Map.of(
            "workflow", Set.of("name", "version", "entrypoint"),
            "tasks", Set.of("default_compute", "default_ram", "default_timeout", "default_max_retries",
                    "default_allowed_files", "default_allowed_hosts", "default_env_variables",
                    "max_compute", "max_ram", "max_timeout", "max_depth", "max_children", "trust_declared", "write_quota",
                    "python_path"),
            // read by capsule serve (docs/cli.md); checked here only by name
            "serve", Set.of("bind", "port", "runners", "token_file", "max_body", "allowed_hosts", "allowed_origins", "grant_dirs",
                    "grant_env", "grant_hosts", "max_compute", "max_ram", "max_timeout", "max_retries", "max_depth", "max_children",
                    "write_quota"));

    /**
     * The operator's {@code [tasks]} ceilings and switches (docs/security.md): the most any task may declare, and whether
     * a source's declarations are trusted as they are. Each null when not set.
     */
    record Ceilings(String maxCompute, String maxRam, String maxTimeout, String maxDepth, String maxChildren, Boolean trustDeclared,
                    String writeQuota) {
        static final Ceilings NONE = new Ceilings(null, null, null, null, null, null, null);
    }

    static ProjectConfig load(Path workingDir) {
        Path file = workingDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        JsonNode root;
        try {
            root = new TomlMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            String message = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("unreadable");
            throw new InvalidInputException(FILE_NAME + " is not valid TOML: " + message);
        }
        Iterator<Map.Entry<String, JsonNode>> sections = root.fields();
        while (sections.hasNext()) {
            Map.Entry<String, JsonNode> section = sections.next();
            Set<String> allowed = KEYS.get(section.getKey());
            if (allowed == null || !section.getValue().isObject()) {
                throw new InvalidInputException(FILE_NAME + ": unknown section [" + section.getKey() + "] (known: [workflow], [tasks], [serve])");
            }
            section.getValue().fieldNames().forEachRemaining(key -> {
                if (!allowed.contains(key)) {
                    throw new InvalidInputException(FILE_NAME + ": unknown key " + section.getKey() + "." + key);
                }
            });
        }
        JsonNode workflow = root.path("workflow");
        JsonNode tasks = root.path("tasks");
        ProjectConfig config = new ProjectConfig(
                text(workflow, "workflow", "name"), text(workflow, "workflow", "version"), text(workflow, "workflow", "entrypoint"),
                text(tasks, "tasks", "default_compute"), text(tasks, "tasks", "default_ram"), text(tasks, "tasks", "default_timeout"),
                integer(tasks, "tasks", "default_max_retries"),
                strings(tasks, "tasks", "default_allowed_files"), strings(tasks, "tasks", "default_allowed_hosts"),
                strings(tasks, "tasks", "default_env_variables"),
                new Ceilings(text(tasks, "tasks", "max_compute"), text(tasks, "tasks", "max_ram"), text(tasks, "tasks", "max_timeout"),
                        integer(tasks, "tasks", "max_depth"), integer(tasks, "tasks", "max_children"), bool(tasks, "tasks", "trust_declared"),
                        text(tasks, "tasks", "write_quota")),
                tasks.path("python_path").isTextual() ? List.of(tasks.get("python_path").asText()) : strings(tasks, "tasks", "python_path"));
        config.checkValues();
        return config;
    }

    /** Parses every value as its flag would, so a bad one is reported by file and key, not by a flag the user never typed. */
    private void checkValues() {
        check("default_compute", compute, Compute::parse);
        check("default_ram", ram, text -> Sizes.parse("default_ram", text));
        check("default_timeout", timeout, text -> Durations.parse("default_timeout", text));
        check("default_max_retries", maxRetries, TaskFlags::parseRetries);
        check("max_compute", ceilings.maxCompute(), Compute::parse);
        check("max_ram", ceilings.maxRam(), text -> Sizes.parse("max_ram", text));
        check("max_timeout", ceilings.maxTimeout(), text -> Durations.parse("max_timeout", text));
        check("max_depth", ceilings.maxDepth(), text -> TaskFlags.count("max_depth", text));
        check("max_children", ceilings.maxChildren(), text -> TaskFlags.count("max_children", text));
        check("write_quota", ceilings.writeQuota(), TaskFlags::quota);
    }

    private static void check(String key, String text, Consumer<String> parse) {
        if (text == null) {
            return;
        }
        try {
            parse.accept(text);
        } catch (InvalidInputException e) {
            String message = e.getMessage();
            String quoted = " value '" + text + "': ";
            int at = message.indexOf(quoted);
            String reason = at >= 0 ? message.substring(at + quoted.length()) : message;
            throw new InvalidInputException(FILE_NAME + ": [tasks] " + key + ": invalid value '" + text + "': " + reason);
        }
    }

    private static Boolean bool(JsonNode section, String name, String key) {
        JsonNode v = section.get(key);
        if (v == null) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new InvalidInputException(FILE_NAME + ": " + name + "." + key + " must be true or false");
        }
        return v.asBoolean();
    }

    private static String text(JsonNode section, String name, String key) {
        JsonNode v = section.get(key);
        if (v == null) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isNumber() && key.endsWith("_compute")) {
            return v.asText();
        }
        throw new InvalidInputException(FILE_NAME + ": " + name + "." + key + " must be a string");
    }

    private static String integer(JsonNode section, String name, String key) {
        JsonNode v = section.get(key);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber()) {
            throw new InvalidInputException(FILE_NAME + ": " + name + "." + key + " must be a whole number");
        }
        return v.asText();
    }

    private static List<String> strings(JsonNode section, String name, String key) {
        JsonNode v = section.get(key);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new InvalidInputException(FILE_NAME + ": " + name + "." + key + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw new InvalidInputException(FILE_NAME + ": " + name + "." + key + " must be an array of strings");
            }
            out.add(item.asText());
        }
        return List.copyOf(out);
    }
}
