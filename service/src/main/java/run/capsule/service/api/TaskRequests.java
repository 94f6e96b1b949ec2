package run.capsule.service.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.engine.spec.Compute;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.EnvGrant;
import run.capsule.protocol.ErrorType;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.Sizes;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskProgram;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.service.config.GrantBounds;
import run.capsule.service.http.ApiError;
import run.capsule.service.http.Json;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A submit body (docs/api.md) checked against the operator's {@link GrantBounds} and turned into a {@link TaskSpec}
 * whose files are written by {@link SourceFiles}. Everything is refused here, before the engine is asked.
 */
public final class TaskRequests {
    static final Set<String> TASK_FIELDS = Set.of("language", "source", "file", "modules", "wasm_base64", "task", "name", "args", "kwargs",
            "limits", "grants", "idempotency_key", "run_at", "delay", "labels");
    private static final Set<String> LIMIT_FIELDS = Set.of("compute", "ram", "timeout", "write_quota", "max_retries", "retry_delay",
            "retry_max_delay", "retry_multiplier", "retry_jitter", "no_retry_on");
    private static final Set<String> GRANT_FIELDS = Set.of("mounts", "hosts", "env");
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    static final int MAX_LABELS = 20;
    private final GrantBounds bounds;
    private final Path workingDir;
    private final Map<String, String> serverEnv;
    private final Path scratch;

    /** A checked request: the spec, its files (to close once submitted), how it is queued, its labels. */
    record Submission(TaskSpec spec, SourceFiles files, SubmitOptions options, Map<String, String> labels) implements AutoCloseable {
        @Override
        public void close() {
            files.close();
        }
    }

    public TaskRequests(GrantBounds bounds, Path workingDir, Map<String, String> serverEnv, Path scratch) {
        this.bounds = bounds;
        this.workingDir = workingDir;
        this.serverEnv = serverEnv;
        this.scratch = scratch;
    }

    /** Only the server environment's variables the operator lets API clients grant: what a source's declarations may read. */
    Map<String, String> grantableEnv() {
        Map<String, String> env = new java.util.HashMap<>();
        bounds.envNames().forEach(name -> {
            if (serverEnv.get(name) != null) {
                env.put(name, serverEnv.get(name));
            }
        });
        return env;
    }

    Submission read(JsonNode body, Set<String> extraFields) {
        Set<String> known = new HashSet<>(TASK_FIELDS);
        known.addAll(extraFields);
        JsonFields f = new JsonFields(body, "", known);
        boolean hasSource = f.has("source");
        boolean hasWasm = f.has("wasm_base64");
        if (hasSource == hasWasm) {
            throw ApiError.invalid("give exactly one of 'source' (Python or JavaScript text) and 'wasm_base64' (a WebAssembly module)");
        }
        String language = language(f, hasWasm);
        Limits limits = limits(f.object("limits", LIMIT_FIELDS));
        JsonFields limitFields = f.object("limits", LIMIT_FIELDS);
        int retries = limitFields.has("max_retries") ? limitFields.integer("max_retries", 0, RetryPolicy.MAX_RETRIES) : 0;
        bounds.checkLimits(limits, retries);
        RetryPolicy retry = retry(limitFields, retries);
        JsonFields grants = f.object("grants", GRANT_FIELDS);
        List<MountSpec> mounts = new ArrayList<>();
        for (String text : grants.strings("mounts")) {
            MountSpec mount;
            try {
                mount = MountSpec.parse(text, workingDir);
            } catch (InvalidInputException e) {
                throw ApiError.invalid("grants.mounts: " + e.getMessage().replace("--mount", "mount"));
            }
            bounds.checkMount(mount);
            mounts.add(mount);
        }
        List<HostPattern> hosts = new ArrayList<>();
        for (String text : grants.strings("hosts")) {
            HostPattern host;
            try {
                host = HostPattern.parse(text);
            } catch (InvalidInputException e) {
                throw ApiError.invalid("grants.hosts: " + e.getMessage().replace("--allow-host", "host"));
            }
            bounds.checkHost(host);
            hosts.add(host);
        }
        List<EnvGrant> env = new ArrayList<>();
        for (String name : grants.strings("env")) {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw ApiError.invalid("grants.env: '" + name + "' is not a variable name (values are never sent: the server's own are used)");
            }
            bounds.checkEnv(name);
            String value = serverEnv.get(name);
            if (value == null) {
                throw ApiError.invalid("grants.env: " + name + " is not set in the server's environment");
            }
            env.add(new EnvGrant(name, value));
        }
        Map<String, String> labels = labels(f.stringMap("labels"));
        SubmitOptions options = new SubmitOptions(startTime(f), idempotencyKey(f));
        SourceFiles files = files(f, language, hasWasm);
        try {
            TaskSpec.Builder builder = TaskSpec.builder(files.entry()).limits(limits).policy(bounds.policy()).retryPolicy(retry);
            String name = f.text("name");
            if (name != null) {
                builder.name(name);
            }
            mounts.forEach(builder::mount);
            hosts.forEach(builder::allowHost);
            env.forEach(builder::env);
            if (hasWasm) {
                if (f.has("kwargs") || f.has("task")) {
                    throw ApiError.invalid((f.has("kwargs") ? "kwargs" : "task") + ": a WebAssembly module takes only args (strings)");
                }
                builder.args(f.strings("args"));
            } else {
                String task = f.text("task") == null ? TaskProgram.ENTRY : f.text("task");
                if (!task.matches("[A-Za-z_][A-Za-z0-9_]{0,99}")) {
                    throw ApiError.invalid("task: '" + task + "' is not a task name");
                }
                builder.program(new TaskProgram(language, files.entry().getFileName().toString(), task, input(f), Map.of(), List.of()));
            }
            return new Submission(builder.build(), files, options, labels);
        } catch (RuntimeException e) {
            files.close();
            throw e;
        }
    }

    private static String language(JsonFields f, boolean wasm) {
        String language = f.text("language");
        String file = f.text("file");
        if (language != null && !Set.of("python", "javascript", "wasm").contains(language)) {
            throw ApiError.invalid("language: unknown language '" + language + "' (python, javascript or wasm)");
        }
        if (wasm) {
            if (language != null && !language.equals("wasm")) {
                throw ApiError.invalid("language: wasm_base64 is a WebAssembly module, not " + language);
            }
            return "wasm";
        }
        if (language == null) {
            language = file != null ? TaskProgram.languageOf(Path.of(file.replace('/', '_'))) : "python";
            if (language == null) {
                throw ApiError.invalid("file: '" + file + "' must end in .py, .js, .mjs, .ts or .mts (or give language)");
            }
        }
        if (language.equals("wasm")) {
            throw ApiError.invalid("language: a WebAssembly module goes in wasm_base64, not source");
        }
        return language;
    }

    private SourceFiles files(JsonFields f, String language, boolean wasm) {
        if (wasm) {
            if (f.has("file") || f.has("modules")) {
                throw ApiError.invalid((f.has("file") ? "file" : "modules") + ": only for a Python or JavaScript source");
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(f.text("wasm_base64").strip());
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid("wasm_base64: not valid base64 (" + e.getMessage() + ")");
            }
            return SourceFiles.write(scratch, "module.wasm", bytes, Map.of());
        }
        String file = f.text("file") != null ? f.text("file") : language.equals("python") ? "main.py" : "main.js";
        String fileLanguage = TaskProgram.languageOf(Path.of(file.replace('/', '_')));
        if (!language.equals(fileLanguage)) {
            throw ApiError.invalid("file: '" + file + "' is not a " + language + " file name (" + (language.equals("python") ? ".py" : ".js, .mjs, .ts or .mts") + ")");
        }
        if (file.contains("/")) {
            throw ApiError.invalid("file: the entry file is a plain name such as main.py; local modules go in modules");
        }
        Map<String, String> modules = f.stringMap("modules");
        if (modules.containsKey(file)) {
            throw ApiError.invalid("modules." + file + ": the entry file is given in source");
        }
        return SourceFiles.write(scratch, file, f.text("source").getBytes(StandardCharsets.UTF_8), modules);
    }

    /** A source task's input: {@code {"args": [...], "kwargs": {...}}}. */
    static String input(JsonFields f) {
        JsonNode args = f.raw("args");
        JsonNode kwargs = f.raw("kwargs");
        if (args != null && !args.isNull() && !args.isArray()) {
            throw ApiError.invalid("args must be an array");
        }
        if (kwargs != null && !kwargs.isNull() && !kwargs.isObject()) {
            throw ApiError.invalid("kwargs must be an object");
        }
        ObjectNode input = Json.object();
        input.set("args", args == null || args.isNull() ? Json.MAPPER.createArrayNode() : (ArrayNode) args);
        input.set("kwargs", kwargs == null || kwargs.isNull() ? Json.object() : kwargs);
        return input.toString();
    }

    private static Limits limits(JsonFields l) {
        Limits.Builder builder = Limits.builder();
        try {
            builder.compute(Compute.parse(l.textOrNumber("compute") == null ? "MEDIUM" : l.textOrNumber("compute")));
        } catch (InvalidInputException e) {
            throw ApiError.invalid("limits.compute: " + e.getMessage());
        }
        builder.ramBytes(parsed("limits.ram", () -> Sizes.parse("ram", l.text("ram") == null ? "256MB" : l.text("ram"))));
        builder.timeout(parsed("limits.timeout", () -> Durations.parse("timeout", l.text("timeout") == null ? "60s" : l.text("timeout"))));
        if (l.text("write_quota") != null) {
            builder.writeQuotaBytes(parsed("limits.write_quota", () -> Sizes.parse("write_quota", l.text("write_quota"))));
        }
        try {
            return builder.build();
        } catch (InvalidInputException e) {
            throw ApiError.invalid("limits: " + e.getMessage());
        }
    }

    private static RetryPolicy retry(JsonFields l, int retries) {
        RetryPolicy policy = RetryPolicy.retries(retries);
        java.time.Duration delay = l.text("retry_delay") == null ? policy.initialBackoff()
                : parsed("limits.retry_delay", () -> Durations.parse("retry_delay", l.text("retry_delay")));
        java.time.Duration maxDelay = l.text("retry_max_delay") == null ? policy.maxBackoff()
                : parsed("limits.retry_max_delay", () -> Durations.parse("retry_max_delay", l.text("retry_max_delay")));
        double multiplier = l.number("retry_multiplier") == null ? policy.multiplier() : l.number("retry_multiplier");
        double jitter = l.number("retry_jitter") == null ? policy.jitter() : l.number("retry_jitter");
        Set<ErrorType> never = EnumSet.noneOf(ErrorType.class);
        if (l.has("no_retry_on")) {
            for (String t : l.strings("no_retry_on")) {
                try {
                    never.add(ErrorType.fromWire(t));
                } catch (IllegalArgumentException e) {
                    throw ApiError.invalid("limits.no_retry_on: unknown error type '" + t + "'");
                }
            }
        } else {
            never.addAll(policy.neverRetry());
        }
        try {
            return policy.withBackoff(delay, multiplier, maxDelay).withJitter(jitter).withNeverRetry(never);
        } catch (InvalidInputException | IllegalArgumentException e) {
            throw ApiError.invalid("limits: " + e.getMessage());
        }
    }

    private static <T> T parsed(String field, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (InvalidInputException e) {
            throw ApiError.invalid(field + ": " + e.getMessage());
        }
    }

    static Map<String, String> labels(Map<String, String> labels) {
        if (labels.size() > MAX_LABELS) {
            throw ApiError.invalid("labels: at most " + MAX_LABELS + " labels");
        }
        labels.forEach((k, v) -> {
            if (!LABEL_NAME.matcher(k).matches()) {
                throw ApiError.invalid("labels: '" + k + "' is not a label name (1-64 letters, digits, '_', '.', '-')");
            }
            if (v.length() > 200) {
                throw ApiError.invalid("labels." + k + ": at most 200 characters");
            }
        });
        return labels;
    }

    private static Instant startTime(JsonFields f) {
        String runAt = f.text("run_at");
        String delay = f.text("delay");
        if (runAt != null && delay != null) {
            throw ApiError.invalid("give either run_at or delay, not both");
        }
        if (delay != null) {
            return Instant.now().plus(parsed("delay", () -> Durations.parse("delay", delay)));
        }
        if (runAt != null) {
            try {
                return OffsetDateTime.parse(runAt).toInstant();
            } catch (DateTimeParseException e) {
                throw ApiError.invalid("run_at: '" + runAt + "' is not an ISO-8601 time such as 2026-12-01T09:00:00Z");
            }
        }
        return null;
    }

    private static String idempotencyKey(JsonFields f) {
        String key = f.text("idempotency_key");
        if (key != null && (key.isBlank() || key.length() > 200)) {
            throw ApiError.invalid("idempotency_key: must be 1-200 characters");
        }
        return key;
    }
}
