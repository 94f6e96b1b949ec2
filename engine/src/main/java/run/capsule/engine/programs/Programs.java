package run.capsule.engine.programs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.protocol.AttemptResult;
import run.capsule.runner.AtomicFiles;
import run.capsule.runner.guest.CacheDirectory;
import run.capsule.runner.guest.Interpreter;
import run.capsule.runner.guest.Interpreters;
import run.capsule.store.ModuleStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import run.capsule.engine.execution.AttemptRunner;
import run.capsule.engine.execution.GuestFingerprint;
import run.capsule.engine.spec.Approval;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.LimitExceededException;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.Sizes;
import run.capsule.engine.spec.TaskOptions;
import run.capsule.engine.spec.TaskProgram;
import run.capsule.engine.spec.TaskSpec;

/**
 * Python and JavaScript sources (docs/languages.md): fetches the interpreter, describes a source once (a sandboxed
 * run of its guest library that lists its tasks and their options; cached by digest), and turns a source file
 * into the spec of its entry task with that task's own options applied.
 */
public final class Programs {
    static final long MAX_SOURCE_BYTES = 4L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Limits DESCRIBE_LIMITS = Limits.builder().timeout(Duration.ofSeconds(60)).build();

    private final Path cacheDir;
    private final AttemptRunner runner;
    private final TypeScriptSources typeScript;
    private final PythonPackages pythonPackages;

    public Programs(Path cacheDir, AttemptRunner runner) {
        this.cacheDir = cacheDir;
        this.runner = runner;
        this.typeScript = new TypeScriptSources(cacheDir, runner, () -> interpreter(Interpreter.JAVASCRIPT));
        this.pythonPackages = new PythonPackages(cacheDir);
    }

    /**
     * What {@link #describe} found, and whether it came from the cache. {@code source} is the file journaled and run in
     * the described one's place: itself, or for TypeScript the JavaScript its types were stripped to ({@code transpiled};
     * {@code transpileMs} is 0 when that came from the cache).
     */
    public record Described(Map<String, TaskOptions> tasks, boolean cached, String sourceSha256, long describeMs, List<String> files,
                            Path source, boolean transpiled, long transpileMs) {
    }

    /**
     * The spec of the source's entry task (its program's {@code task}, else {@code main}) under what the operator's spec
     * approves for the whole job ({@link Approval}): the task's declared limits where it declares them, else the spec's;
     * its declared grants, else the spec's. Refuses, before anything is journaled, a source that cannot load, declares no
     * such task, whose options are invalid, or any of whose tasks declares more than the approval covers (unless the
     * spec's policy trusts declarations; {@code hostEnv} then gives the values of the variables they declare).
     */
    public TaskSpec resolve(TaskSpec spec, Map<String, String> hostEnv) throws InterruptedException {
        if (spec.program() != null && !spec.program().tasks().isEmpty()) {
            return spec;
        }
        Described described = describe(spec.module(), spec.limits(), spec.pythonPath());
        String language = TaskProgram.languageOf(spec.module());
        String entry = spec.program() != null ? spec.program().task() : TaskProgram.ENTRY;
        Map<String, TaskOptions> tasks = described.tasks();
        TaskOptions options = tasks.get(entry);
        String file = spec.module().getFileName().toString();
        if (options == null) {
            throw new InvalidInputException(file + " has no task named '" + entry + "'"
                    + (tasks.isEmpty() ? "" : "; its tasks: " + String.join(", ", tasks.keySet().stream().sorted().toList())));
        }
        Approval approval = Approval.of(spec).trusting(tasks, hostEnv);
        approval.check(file, tasks);
        String input = spec.program() != null && spec.program().inputJson() != null ? spec.program().inputJson() : TaskProgram.argsInput(spec.args());
        TaskProgram program = new TaskProgram(language, file, entry, input, tasks, described.files()).withApproval(approval);
        TaskSpec.Builder builder = TaskSpec.builder(described.source()).name(spec.name()).args(spec.args()).policy(spec.policy())
                .program(program).retryPolicy(options.maxRetries() != null ? spec.retryPolicy().withMaxRetries(options.maxRetries())
                        : spec.retryPolicy());
        approval.applyTo(builder, options, true, spec.limits());
        if (spec.name().equals(TaskSpec.builder(spec.module()).build().name())) {
            builder.name(entry.equals(TaskProgram.ENTRY) ? spec.name() : entry);
        }
        return builder.build();
    }

    /**
     * The spec of child task {@code name} of a running program task: what that task declares, within the job's approval,
     * else the job's defaults. Throws {@link LimitExceededException} past the job's nesting depth.
     */
    public TaskSpec child(TaskSpec parent, String name, String inputJson) {
        TaskProgram program = parent.program();
        TaskOptions options = program.tasks().get(name);
        if (options == null) {
            throw new InvalidInputException("no task named '" + name + "' in " + program.file() + "; its tasks: "
                    + String.join(", ", program.taskNames()));
        }
        Approval approval = program.approval();
        if (approval == null) {
            throw new InvalidInputException("task " + parent.name() + " was journaled before approvals existed: it starts no child tasks");
        }
        if (program.depth() + 1 > approval.policy().maxDepth()) {
            throw new LimitExceededException("task " + parent.name() + " is " + program.depth() + " levels below its job's first task: a child"
                    + " would pass the job's maximum depth of " + approval.policy().maxDepth() + " (--max-depth, [tasks] max_depth)");
        }
        approval.check(options);
        TaskSpec.Builder builder = TaskSpec.builder(parent.module()).name(name).policy(parent.policy())
                .program(program.calling(name, inputJson).withApproval(approval))
                .retryPolicy(RetryPolicy.NONE.withMaxRetries(options.maxRetries() == null ? 0 : options.maxRetries()));
        approval.applyTo(builder, options, false, approval.defaults().toBuilder().outputBytes(parent.limits().outputBytes()).build());
        return builder.build();
    }

    /** Lists the tasks of a source file (cached by the digests of source, interpreter and guest library). */
    public Described describe(Path source) throws InterruptedException {
        return describe(source, DESCRIBE_LIMITS, List.of());
    }

    /** As {@link #describe(Path)}, with the directories of pure-Python packages the source may import. */
    public Described describe(Path source, List<Path> pythonPath) throws InterruptedException {
        return describe(source, DESCRIBE_LIMITS, pythonPath);
    }

    /**
     * Lists the tasks of a source file; loading it gets no more time, memory or fuel than the run itself would (nor more
     * than the describing limits), so top-level code cannot use more than the operator allowed.
     */
    public Described describe(Path source, Limits run, List<Path> pythonPath) throws InterruptedException {
        String language = TaskProgram.languageOf(source);
        if (language == null) {
            throw new InvalidInputException(source + " is not a Python (.py), JavaScript (.js, .mjs) or TypeScript (.ts, .mts) source");
        }
        List<String> files = LocalModules.of(source, language);
        Path sourceDir = source.toAbsolutePath().normalize().getParent();
        TypeScriptSources.Transpiled transpiled = null;
        if (TypeScriptSources.is(source)) {
            read(source);
            transpiled = typeScript.transpile(source, files);
            source = transpiled.file();
        }
        if ("python".equals(language) && !pythonPath.isEmpty()) {
            Optional<Path> withPackages = pythonPackages.layOut(source, files, pythonPath);
            if (withPackages.isPresent()) {
                source = withPackages.get();
                files = LocalModules.of(source, language);
            }
        }
        byte[] bytes = sourceBytes(source, files);
        String sha = ModuleStore.sha256(bytes);
        String file = source.getFileName().toString();
        Interpreter interpreter = Interpreter.forLanguage(language);
        Path interpreterPath = interpreter(interpreter);
        String key = ModuleStore.sha256((language + "\n" + interpreter.moduleSha256() + "\n" + GuestFingerprint.value() + "\n" + sha + "\n" + file)
                .getBytes(StandardCharsets.UTF_8));
        Path cached = cacheDir.resolve("described").resolve(key + ".json");
        if (Files.isRegularFile(cached)) {
            try {
                return new Described(resolveFiles(parseTasks(JSON.readTree(cached.toFile())), sourceDir), true, sha, 0, files, source,
                        transpiled != null, transpiled != null ? transpiled.transpileMs() : 0);
            } catch (IOException | RuntimeException e) {
                // a damaged cache entry: describe again
            }
        }
        long started = System.nanoTime();
        Path sourceFile = sourceFile(sha, file, bytes, files);
        Limits limits = DESCRIBE_LIMITS.toBuilder()
                .timeout(run.timeout().compareTo(DESCRIBE_LIMITS.timeout()) < 0 ? run.timeout() : DESCRIBE_LIMITS.timeout())
                .ramBytes(Math.min(run.ramBytes(), DESCRIBE_LIMITS.ramBytes()))
                .compute(run.compute().fuel() < DESCRIBE_LIMITS.compute().fuel() ? run.compute() : DESCRIBE_LIMITS.compute())
                .build();
        AttemptResult result = runner.describe(interpreter, interpreterPath, sourceFile, limits);
        long describeMs = (System.nanoTime() - started) / 1_000_000;
        if (!result.succeeded()) {
            String message = result.message() == null ? result.errorType() : result.message();
            throw new InvalidInputException(file + ": " + message);
        }
        JsonNode value;
        try {
            value = result.value() == null ? null : JSON.readTree(result.value());
        } catch (IOException e) {
            value = null;
        }
        if (value == null || !value.path("tasks").isObject()) {
            throw new InvalidInputException(file + ": the guest library reported no task list (is this a Capsule " + language + " source?)");
        }
        Map<String, TaskOptions> tasks = parseTasks(value);
        try {
            Files.createDirectories(cached.getParent());
            AtomicFiles.write(cached, value.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + cached, e);
        }
        return new Described(resolveFiles(tasks, sourceDir), false, sha, describeMs, files, source, transpiled != null,
                transpiled != null ? transpiled.transpileMs() : 0);
    }

    /**
     * Fills the rewrite and compile caches for every memory cap the source's tasks declare: the rewritten interpreter
     * depends on the cap, so a task whose {@code ram} differs from the describing run's would otherwise be rewritten
     * and compiled on its first run. Each distinct cap costs one more describing run.
     */
    public void compileForTasks(Path source, Described described) throws InterruptedException {
        String language = TaskProgram.languageOf(source);
        Interpreter interpreter = Interpreter.forLanguage(language);
        Path sourceFile = sourceFile(described.sourceSha256(), source.getFileName().toString(), sourceBytes(described.source(), described.files()),
                described.files());
        Set<Long> caps = new TreeSet<>();
        for (TaskOptions options : described.tasks().values()) {
            caps.add(options.limitsOver(Limits.DEFAULT).ramBytes());
        }
        caps.remove(DESCRIBE_LIMITS.ramBytes());
        for (long ram : caps) {
            runner.describe(interpreter, interpreter(interpreter), sourceFile, DESCRIBE_LIMITS.toBuilder().ramBytes(ram).build());
        }
    }

    /** The interpreter's module, fetched into the cache on first use. */
    public Path interpreter(Interpreter interpreter) {
        try {
            return Interpreters.ensure(interpreter, cacheDir);
        } catch (IOException e) {
            throw new InvalidInputException("cannot fetch the " + interpreter.language() + " interpreter (npm " + interpreter.npmPackage()
                    + "@" + interpreter.version() + "): " + e.getMessage());
        }
    }

    /** What is journaled for a source: the file itself, or a {@link SourceBundle} with the local modules it imports. */
    static byte[] sourceBytes(Path source, List<String> files) {
        byte[] bytes = read(source);
        return files.isEmpty() ? bytes
                : SourceBundle.pack(source.toAbsolutePath().normalize().getParent(), source.getFileName().toString(), files, MAX_SOURCE_BYTES);
    }

    /**
     * The journaled source laid out in a directory of its own (granted read-only as /app): the file named as the user
     * named it, with the local modules it imports beside it when {@code files} is not empty ({@code bytes} is then a
     * {@link SourceBundle}). Returns the path of the source file.
     */
    public Path sourceFile(String sha, String file, byte[] bytes, List<String> files) {
        if (files.isEmpty()) {
            return sourceFile(sha, file, bytes);
        }
        Path dir = cacheDir.resolve("sources").resolve(sha);
        try {
            CacheDirectory.create(dir, unpacked -> SourceBundle.unpack(bytes, unpacked));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the source bundle " + sha + " into " + dir, e);
        }
        if (!Files.isRegularFile(dir.resolve(file))) {
            throw new UncheckedIOException(new IOException("the source bundle in " + dir + " holds no " + file));
        }
        return dir.resolve(file);
    }

    /** The source as a file named as the user named it, in a directory of its own (granted read-only as /app). */
    public Path sourceFile(String sha, String file, byte[] bytes) {
        Path path = cacheDir.resolve("sources").resolve(sha).resolve(file);
        try {
            if (!Files.isRegularFile(path) || Files.size(path) != bytes.length) {
                Files.createDirectories(path.getParent());
                AtomicFiles.write(path, bytes);
            }
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write source cache file " + path, e);
        }
    }

    private static Map<String, TaskOptions> parseTasks(JsonNode value) {
        Map<String, TaskOptions> tasks = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = value.path("tasks").fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            tasks.put(e.getKey(), TaskOptions.fromGuest(e.getKey(), e.getValue()));
        }
        return tasks;
    }

    /** Grants written relative to the source file become absolute {@code HOST::GUEST:MODE} grants, checked now. */
    private static Map<String, TaskOptions> resolveFiles(Map<String, TaskOptions> tasks, Path sourceDir) {
        Map<String, TaskOptions> resolved = new LinkedHashMap<>();
        for (Map.Entry<String, TaskOptions> e : tasks.entrySet()) {
            List<String> files = new ArrayList<>();
            for (String grant : e.getValue().allowedFiles()) {
                try {
                    files.add(MountSpec.parse(grant, sourceDir).toString());
                } catch (InvalidInputException ex) {
                    throw new InvalidInputException("task " + e.getKey() + ": " + ex.getMessage().replace("--mount", "allowed_files entry"));
                }
            }
            resolved.put(e.getKey(), e.getValue().withAllowedFiles(files));
        }
        return resolved;
    }

    private static byte[] read(Path source) {
        if (!Files.exists(source)) {
            throw new InvalidInputException(source + ": file not found");
        }
        if (Files.isDirectory(source)) {
            throw new InvalidInputException(source + " is a directory, not a source file");
        }
        try {
            if (Files.size(source) > MAX_SOURCE_BYTES) {
                throw new InvalidInputException(source + " is larger than " + Sizes.format(MAX_SOURCE_BYTES));
            }
            return Files.readAllBytes(source);
        } catch (IOException e) {
            throw new InvalidInputException(source + " cannot be read: " + e.getMessage());
        }
    }
}
