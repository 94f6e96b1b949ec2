package run.capsule.service.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import run.capsule.engine.spec.InvalidInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code [serve]} section of {@code capsule.toml} in the working directory, as text values by key (lists as lists);
 * serve's flags override it (docs/cli.md). Every key is checked: unknown keys and wrong types are refused with one line.
 */
public final class ServeConfigFile {
    private final Map<String, String> values;
    private final Map<String, List<String>> lists;

    private ServeConfigFile(Map<String, String> values, Map<String, List<String>> lists) {
        this.values = values;
        this.lists = lists;
    }

    static final List<String> TEXT_KEYS = List.of("bind", "token_file", "max_body", "max_compute", "max_ram", "max_timeout", "write_quota",
            "prune_finished_before", "prune_every");
    static final List<String> NUMBER_KEYS = List.of("port", "runners", "max_retries", "max_depth", "max_children");
    static final List<String> BOOLEAN_KEYS = List.of("prune_keep_failed");
    static final List<String> LIST_KEYS = List.of("allowed_hosts", "allowed_origins", "grant_dirs", "grant_env", "grant_hosts");

    public static ServeConfigFile load(Path workingDir) {
        Path file = workingDir.resolve("capsule.toml");
        Map<String, String> values = new HashMap<>();
        Map<String, List<String>> lists = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return new ServeConfigFile(values, lists);
        }
        JsonNode serve;
        try {
            serve = new TomlMapper().readTree(Files.readString(file)).path("serve");
        } catch (IOException e) {
            throw new InvalidInputException("capsule.toml is not valid TOML: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (serve.isMissingNode()) {
            return new ServeConfigFile(values, lists);
        }
        if (!serve.isObject()) {
            throw new InvalidInputException("capsule.toml: [serve] must be a table");
        }
        var fields = serve.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            String key = field.getKey();
            JsonNode v = field.getValue();
            if (TEXT_KEYS.contains(key)) {
                if (!v.isTextual() && !(key.equals("max_compute") && v.isIntegralNumber())) {
                    throw new InvalidInputException("capsule.toml: serve." + key + " must be a string");
                }
                values.put(key, v.asText());
            } else if (NUMBER_KEYS.contains(key)) {
                if (!v.isIntegralNumber()) {
                    throw new InvalidInputException("capsule.toml: serve." + key + " must be a whole number");
                }
                values.put(key, v.asText());
            } else if (BOOLEAN_KEYS.contains(key)) {
                if (!v.isBoolean()) {
                    throw new InvalidInputException("capsule.toml: serve." + key + " must be true or false");
                }
                values.put(key, v.asText());
            } else if (LIST_KEYS.contains(key)) {
                if (!v.isArray()) {
                    throw new InvalidInputException("capsule.toml: serve." + key + " must be an array of strings");
                }
                List<String> items = new ArrayList<>();
                for (JsonNode item : v) {
                    if (!item.isTextual()) {
                        throw new InvalidInputException("capsule.toml: serve." + key + " must be an array of strings");
                    }
                    items.add(item.asText());
                }
                lists.put(key, List.copyOf(items));
            } else {
                throw new InvalidInputException("capsule.toml: unknown key serve." + key);
            }
        }
        return new ServeConfigFile(values, lists);
    }

    /** The flag's value when given, else this file's, else {@code fallback}. */
    public String value(String flag, String key, String fallback) {
        return flag != null ? flag : values.getOrDefault(key, fallback);
    }

    /** The flag's values when any are given, else this file's list. */
    public List<String> list(List<String> flag, String key) {
        return flag != null && !flag.isEmpty() ? flag : lists.getOrDefault(key, List.of());
    }
}
