package run.capsule.engine.programs;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import run.capsule.protocol.Durability;
import run.capsule.store.TaskRow;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import run.capsule.engine.spec.Approval;
import run.capsule.engine.spec.EnvGrant;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.LimitsJson;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.TaskOptions;
import run.capsule.engine.spec.TaskProgram;
import run.capsule.engine.spec.TaskSpec;

/** Rebuilds a journaled task's {@link TaskSpec} from its {@code config} JSON, so any node can run it. */
public final class TaskConfigReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TaskConfigReader() {
    }

    /** How a Python or JavaScript task's journaled source is laid out: its file name and the local modules beside it. */
    public record SourceLayout(String file, List<String> files) {
    }

    /** The layout of a Python or JavaScript task's source, or null for a WebAssembly module. */
    public static SourceLayout sourceLayout(TaskRow task) {
        try {
            JsonNode config = JSON.readTree(task.configJson());
            JsonNode file = config.path("program").path("file");
            return file.isTextual() ? new SourceLayout(file.asText(), programFiles(config)) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> programFiles(JsonNode config) {
        List<String> files = new ArrayList<>();
        config.path("program").path("files").forEach(f -> files.add(f.asText()));
        return files;
    }

    public static TaskSpec read(TaskRow task, Path moduleFile, String envJson) {
        try {
            JsonNode config = JSON.readTree(task.configJson());
            TaskSpec.Builder builder = TaskSpec.builder(moduleFile).name(task.name());
            config.path("args").forEach(a -> builder.arg(a.asText()));
            builder.limits(LimitsJson.read(config.path("limits")));
            JsonNode retry = config.path("retry");
            Set<ErrorType> neverRetry = EnumSet.noneOf(ErrorType.class);
            if (retry.has("never_retry")) {
                retry.path("never_retry").forEach(t -> neverRetry.add(ErrorType.fromWire(t.asText())));
            } else {
                neverRetry.addAll(RetryPolicy.DEFAULT_NEVER_RETRY);
            }
            builder.retryPolicy(new RetryPolicy(task.maxRetries(),
                    Duration.ofMillis(retry.path("initial_backoff_ms").asLong(1000)),
                    retry.path("multiplier").asDouble(2.0),
                    Duration.ofMillis(retry.path("max_backoff_ms").asLong(300_000)),
                    retry.path("jitter").asDouble(0),
                    neverRetry));
            for (JsonNode m : config.path("mounts")) {
                builder.mount(new MountSpec(Path.of(m.path("host").asText()), m.path("guest").asText(), "ro".equals(m.path("mode").asText())));
            }
            config.path("allowed_hosts").forEach(h -> builder.allowHost(new HostPattern(h.asText())));
            Map<String, String> secrets = new LinkedHashMap<>();
            if (envJson != null) {
                Iterator<Map.Entry<String, JsonNode>> fields = JSON.readTree(envJson).fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> e = fields.next();
                    secrets.put(e.getKey(), e.getValue().asText());
                }
            }
            // the task sees the variables its configuration names; the rest of its secrets are its job's, for its children
            for (JsonNode name : config.path("env")) {
                String value = secrets.get(name.asText());
                if (value != null) {
                    builder.env(new EnvGrant(name.asText(), value));
                }
            }
            JsonNode program = config.get("program");
            if (program != null && program.isObject()) {
                Map<String, TaskOptions> tasks = new LinkedHashMap<>();
                program.path("tasks").fields().forEachRemaining(t -> tasks.put(t.getKey(), TaskOptions.fromGuest(t.getKey(), t.getValue())));
                JsonNode approval = program.get("approval");
                builder.program(new TaskProgram(program.path("language").asText(), program.path("file").asText(), program.path("task").asText(),
                        program.path("input").toString(), tasks, programFiles(config),
                        program.path("step_format").asInt(Durability.FIRST_FORMAT),
                        approval != null && approval.isObject() ? Approval.fromJson(approval, secrets) : null, program.path("depth").asInt(0)));
            }
            return builder.build();
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException("task " + task.id() + " has an unreadable configuration: " + e.getMessage());
        }
    }
}
