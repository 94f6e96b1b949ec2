package run.capsule.engine.programs;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.runner.wasm.ImportPolicy;
import run.capsule.runner.wasm.InvalidModuleException;
import run.capsule.runner.wasm.ModuleInspector;
import run.capsule.store.ModuleStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.LimitsJson;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.Sizes;
import run.capsule.engine.spec.TaskProgram;
import run.capsule.engine.spec.TaskSpec;

/**
 * A task checked and ready to journal: the module read and inspected, its digest and the configuration as
 * JSON. Everything that can be refused is refused here, before the journal is touched.
 */
public record PreparedTask(TaskSpec spec, byte[] moduleBytes, String moduleSha256, String configJson) {
    static final long MAX_MODULE_BYTES = 256L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    public static PreparedTask prepare(TaskSpec spec) {
        Path file = spec.module();
        String shown = file.toString();
        if (!Files.exists(file)) {
            throw new InvalidInputException(shown + ": file not found");
        }
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(shown + " is a directory, not a WebAssembly module");
        }
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_MODULE_BYTES) {
                throw new InvalidInputException(shown + " is larger than " + Sizes.format(MAX_MODULE_BYTES));
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException(shown + " cannot be read: " + e.getMessage());
        }
        if (spec.isProgram()) {
            if (spec.program() == null) {
                throw new IllegalStateException(shown + " must be described before it is prepared");
            }
            if (!spec.program().files().isEmpty()) {
                bytes = SourceBundle.pack(file.toAbsolutePath().getParent(), file.getFileName().toString(), spec.program().files(),
                        Programs.MAX_SOURCE_BYTES);
            }
            String digest = ModuleStore.sha256(bytes);
            return new PreparedTask(spec, bytes, digest, configJson(spec, digest));
        }
        try {
            var info = ModuleInspector.inspect(shown, bytes);
            ImportPolicy.check(shown, info).ifPresent(reason -> {
                throw new InvalidInputException(reason);
            });
        } catch (InvalidModuleException e) {
            throw new InvalidInputException(e.getMessage());
        }
        String digest = ModuleStore.sha256(bytes);
        return new PreparedTask(spec, bytes, digest, configJson(spec, digest));
    }

    /**
     * The values of the environment variables as a JSON object, or null when there are none: the task's own, and for a
     * Python or JavaScript task every variable its job's approval grants, which its children may ask for.
     */
    public String envJson() {
        ObjectNode env = JSON.createObjectNode();
        spec.env().forEach(e -> env.put(e.name(), e.value()));
        if (spec.program() != null && spec.program().approval() != null) {
            spec.program().approval().env().forEach(env::put);
        }
        return env.isEmpty() ? null : env.toString();
    }

    private static String configJson(TaskSpec spec, String digest) {
        ObjectNode config = JSON.createObjectNode();
        config.put("module", spec.module().toAbsolutePath().normalize().toString());
        config.put("module_sha256", digest);
        ArrayNode args = config.putArray("args");
        spec.args().forEach(args::add);
        LimitsJson.write(config.putObject("limits"), spec.limits());
        ObjectNode retry = config.putObject("retry");
        retry.put("max_retries", spec.retryPolicy().maxRetries());
        retry.put("initial_backoff_ms", spec.retryPolicy().initialBackoff().toMillis());
        retry.put("multiplier", spec.retryPolicy().multiplier());
        retry.put("max_backoff_ms", spec.retryPolicy().maxBackoff().toMillis());
        retry.put("jitter", spec.retryPolicy().jitter());
        ArrayNode neverRetry = retry.putArray("never_retry");
        spec.retryPolicy().neverRetry().stream().map(ErrorType::wireName).sorted().forEach(neverRetry::add);
        ArrayNode mounts = config.putArray("mounts");
        for (MountSpec m : spec.mounts()) {
            mounts.addObject().put("host", m.hostPath().toString()).put("guest", m.guestPath()).put("mode", m.readOnly() ? "ro" : "rw");
        }
        ArrayNode hosts = config.putArray("allowed_hosts");
        spec.allowedHosts().forEach(h -> hosts.add(h.pattern()));
        ArrayNode env = config.putArray("env");
        spec.env().forEach(e -> env.add(e.name()));
        config.putArray("not_enforced");
        if (spec.program() != null) {
            TaskProgram program = spec.program();
            ObjectNode node = config.putObject("program");
            node.put("language", program.language());
            node.put("file", program.file());
            node.put("task", program.task());
            node.put("step_format", program.stepFormat());
            node.put("depth", program.depth());
            if (program.approval() != null) {
                node.set("approval", program.approval().toJson());
            }
            try {
                node.set("input", JSON.readTree(program.inputJson() != null ? program.inputJson() : TaskProgram.argsInput(spec.args())));
            } catch (IOException e) {
                throw new InvalidInputException("task input is not valid JSON: " + e.getMessage());
            }
            if (!program.files().isEmpty()) {
                ArrayNode files = node.putArray("files");
                program.files().forEach(files::add);
            }
            ObjectNode tasks = node.putObject("tasks");
            program.tasks().forEach((name, options) -> tasks.set(name, options.toJson()));
        }
        return config.toString();
    }
}
