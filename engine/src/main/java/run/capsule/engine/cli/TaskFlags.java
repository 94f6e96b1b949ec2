package run.capsule.engine.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import run.capsule.engine.spec.Compute;
import run.capsule.engine.spec.DotEnv;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.EnvGrant;
import run.capsule.protocol.ErrorType;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.JobPolicy;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.Sizes;
import run.capsule.engine.spec.TaskSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The module, its arguments, limits, retry policy and grants: shared by {@code run} and {@code submit}. */
final class TaskFlags {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The WebAssembly module (.wasm)")
    String file;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments passed to the guest")
    List<String> args = new ArrayList<>();

    @Option(names = "--compute", paramLabel = "LEVEL", description = "Fuel budget: LOW (1e8), MEDIUM (2e9, default), HIGH (5e10) or a number of fuel units")
    String compute;

    @Option(names = "--ram", paramLabel = "SIZE", description = "Linear-memory limit, e.g. 64MB, 1GB (default 256MB)")
    String ram;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Wall-clock limit per attempt, e.g. 30s, 500ms, 5m (default 60s)")
    String timeout;

    @Option(names = "--max-retries", paramLabel = "N", description = "Further attempts after a failure (default 0)")
    String maxRetries;

    @Option(names = "--retry-delay", paramLabel = "DURATION", description = "Wait before the first retry (default 1s); doubles each time")
    String retryDelay = "1s";

    @Option(names = "--retry-max-delay", paramLabel = "DURATION", description = "Longest wait between retries (default 5m)")
    String retryMaxDelay = "5m";

    @Option(names = "--retry-multiplier", paramLabel = "X", description = "Backoff growth per retry (default 2.0)")
    String retryMultiplier = "2.0";

    @Option(names = "--retry-jitter", paramLabel = "FRACTION", description = "Random spread of each wait, 0 to below 1 (default 0.1)")
    String retryJitter = "0.1";

    @Option(names = "--no-retry-on", paramLabel = "ERROR_TYPE", split = ",",
            description = "Error types never retried (default invalid_input,cancelled)")
    List<String> noRetryOn = new ArrayList<>(List.of(ErrorType.INVALID_INPUT.wireName(), ErrorType.CANCELLED.wireName()));

    @Option(names = "--python-path", paramLabel = "DIR", description = "A directory of pure-Python packages a Python source may import"
            + " (repeatable); what it imports is journaled with it")
    List<String> pythonPath = new ArrayList<>();

    @Option(names = "--mount", paramLabel = "HOST[::GUEST][:ro|:rw]", description = "Grant a directory (repeatable; default guest path /NAME, default mode rw)")
    List<String> mounts = new ArrayList<>();

    @Option(names = "--allow-host", paramLabel = "PATTERN", description = "Allow a network host: host, *.domain or *, optional :port, for the http host call (repeatable)")
    List<String> allowHosts = new ArrayList<>();

    @Option(names = "--env", paramLabel = "NAME[=VALUE]", description = "Pass an environment variable to the guest (repeatable); nothing else is passed")
    List<String> envs = new ArrayList<>();

    @Option(names = "--args-file", paramLabel = "FILE", description = "A JSON array of strings appended to ARGS")
    String argsFile;

    @Option(names = "--name", paramLabel = "NAME", description = "Task name (default: the file name without extension)")
    String name;

    @Option(names = "--trust-declared", description = "Run what a Python or JavaScript source declares (limits, files, hosts, environment)"
            + " even beyond the ceilings and grants: only for code you wrote yourself")
    boolean trustDeclared;

    @Option(names = "--write-quota", paramLabel = "SIZE", description = "Most bytes an attempt may write to its read-write grants (default 1GB)")
    String writeQuota;

    @Option(names = "--max-depth", paramLabel = "N", description = "How deep child tasks may nest (default 32)")
    String maxDepth;

    @Option(names = "--max-children", paramLabel = "N", description = "Unfinished child tasks one task may have at once (default 1000)")
    String maxChildren;

    /**
     * The task these flags describe, with defaults from {@code capsule.toml} in the working directory where a
     * flag is not given; {@code --env NAME} takes its value from the host environment, else from {@code ./.env}.
     */
    TaskSpec spec(Path workingDir, Map<String, String> env) {
        ProjectConfig project = ProjectConfig.load(workingDir);
        String module = file;
        List<String> guestArgs = args;
        if (project.entrypoint() != null && (file == null || !file.endsWith(".wasm") && !file.endsWith(".wat"))) {
            module = project.entrypoint();
            guestArgs = new ArrayList<>();
            if (file != null) {
                guestArgs.add(file);
            }
            guestArgs.addAll(args);
        }
        if (module == null) {
            throw new InvalidInputException("missing FILE: the WebAssembly module to run (or set [workflow] entrypoint in capsule.toml)");
        }
        TaskSpec.Builder builder = TaskSpec.builder(workingDir.resolve(module)).args(guestArgs).args(argsFromFile(workingDir));
        if (name != null) {
            builder.name(name);
        }
        Limits defaults = Limits.builder()
                .compute(Compute.parse(first(compute, project.compute(), "MEDIUM")))
                .ramBytes(Sizes.parse("--ram", first(ram, project.ram(), "256MB")))
                .timeout(Durations.parse("--timeout", first(timeout, project.timeout(), "60s")))
                .writeQuotaBytes(quota(first(writeQuota, project.ceilings().writeQuota(), null)))
                .build();
        JobPolicy jobPolicy = policy(project, defaults);
        builder.limits(jobPolicy.cap(defaults)).policy(jobPolicy);
        RetryPolicy policy = RetryPolicy.retries(parseRetries(first(maxRetries, project.maxRetries(), "0")));
        builder.retryPolicy(policy.withBackoff(durationOrZero("--retry-delay", retryDelay), number("--retry-multiplier", retryMultiplier),
                        Durations.parse("--retry-max-delay", retryMaxDelay))
                .withJitter(number("--retry-jitter", retryJitter))
                .withNeverRetry(errorTypes()));
        (mounts.isEmpty() ? project.allowedFiles() : mounts).forEach(m -> builder.mount(MountSpec.parse(m, workingDir)));
        builder.pythonPath(pythonPathDirs(pythonPath, project, workingDir));
        (allowHosts.isEmpty() ? project.allowedHosts() : allowHosts).forEach(h -> builder.allowHost(HostPattern.parse(h)));
        List<String> envNames = envs.isEmpty() ? project.envVariables() : envs;
        if (!envNames.isEmpty()) {
            Map<String, String> sources = new java.util.HashMap<>(DotEnv.read(workingDir.resolve(".env")));
            sources.putAll(env);
            envNames.forEach(e -> builder.env(EnvGrant.parse(e, sources)));
        }
        return builder.build();
    }

    /**
     * The operator's ceilings: a limit given as a flag is the ceiling of what the source may declare, else
     * {@code [tasks] max_*}, else the built-in ceiling (docs/security.md).
     */
    private JobPolicy policy(ProjectConfig project, Limits defaults) {
        ProjectConfig.Ceilings ceilings = project.ceilings();
        // a default the operator wrote in capsule.toml above the built-in ceiling is an approval of it
        Limits written = Limits.builder()
                .compute(project.compute() != null ? defaults.compute() : Compute.LOW)
                .ramBytes(project.ram() != null ? defaults.ramBytes() : Limits.MIN_RAM_BYTES)
                .timeout(project.timeout() != null ? defaults.timeout() : java.time.Duration.ofMillis(1)).build();
        JobPolicy.Builder policy = JobPolicy.DEFAULT.raisedTo(written).toBuilder();
        if (compute != null || ceilings.maxCompute() != null) {
            policy.maxCompute(compute != null ? defaults.compute() : Compute.parse(ceilings.maxCompute()));
        }
        if (ram != null || ceilings.maxRam() != null) {
            policy.maxRamBytes(ram != null ? defaults.ramBytes() : Sizes.parse("max_ram", ceilings.maxRam()));
        }
        if (timeout != null || ceilings.maxTimeout() != null) {
            policy.maxTimeout(timeout != null ? defaults.timeout() : Durations.parse("max_timeout", ceilings.maxTimeout()));
        }
        policy.trustDeclared(trustDeclared || Boolean.TRUE.equals(ceilings.trustDeclared()));
        // --max-retries is the default and the ceiling of what a source may declare; default_max_retries raises the built-in one
        policy.maxRetries(maxRetries != null ? parseRetries(maxRetries)
                : Math.max(JobPolicy.BUILT_IN_MAX_RETRIES, project.maxRetries() != null ? parseRetries(project.maxRetries()) : 0));
        policy.maxDepth(count("--max-depth", first(maxDepth, ceilings.maxDepth(), Integer.toString(JobPolicy.DEFAULT_MAX_DEPTH))));
        policy.maxChildren(count("--max-children", first(maxChildren, ceilings.maxChildren(), Integer.toString(JobPolicy.DEFAULT_MAX_CHILDREN))));
        return policy.build();
    }

    /** The flags' directories, else capsule.toml's {@code [tasks] python_path}, relative to the working directory. */
    static List<Path> pythonPathDirs(List<String> flags, ProjectConfig project, Path workingDir) {
        return (flags.isEmpty() ? project.pythonPath() : flags).stream().map(workingDir::resolve).toList();
    }

    static long quota(String text) {
        if (text == null) {
            return Limits.DEFAULT_WRITE_QUOTA_BYTES;
        }
        return text.strip().matches("0+\\s*[A-Za-z]*") ? 0 : Sizes.parse("--write-quota", text);
    }

    static int count(String flag, String text) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidInputException("invalid " + flag + " value '" + text + "': use a whole number, 0 or more");
    }

    /** Where the values of granted environment variables come from: the environment over {@code ./.env}. */
    static Map<String, String> envSources(Path workingDir, Map<String, String> env) {
        Map<String, String> sources = new java.util.HashMap<>(DotEnv.read(workingDir.resolve(".env")));
        sources.putAll(env);
        return sources;
    }

    private static String first(String flag, String project, String builtIn) {
        return flag != null ? flag : project != null ? project : builtIn;
    }

    String taskNameOrNull() {
        return file == null ? null : TaskSpec.builder(Path.of(file)).name(name).build().name();
    }

    private static java.time.Duration durationOrZero(String flag, String text) {
        return text.strip().matches("0+(ms|s)?") ? java.time.Duration.ZERO : Durations.parse(flag, text);
    }

    private static double number(String flag, String text) {
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("invalid " + flag + " value '" + text + "': use a number");
        }
    }

    private java.util.Set<ErrorType> errorTypes() {
        java.util.Set<ErrorType> types = java.util.EnumSet.noneOf(ErrorType.class);
        for (String t : noRetryOn) {
            try {
                types.add(ErrorType.fromWire(t.strip()));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("invalid --no-retry-on value '" + t + "': use error types such as task_error, timeout");
            }
        }
        return types;
    }

    static int parseRetries(String maxRetries) {
        try {
            int n = Integer.parseInt(maxRetries.strip());
            if (n >= 0 && n <= RetryPolicy.MAX_RETRIES) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidInputException("invalid --max-retries value '" + maxRetries + "': use a whole number from 0 to " + RetryPolicy.MAX_RETRIES);
    }

    private List<String> argsFromFile(Path workingDir) {
        if (argsFile == null) {
            return List.of();
        }
        Path path = workingDir.resolve(argsFile);
        try {
            return Json.MAPPER.readValue(Files.readString(path), new TypeReference<List<String>>() {
            });
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidInputException("--args-file " + argsFile + ": file not found");
        } catch (IOException e) {
            throw new InvalidInputException("--args-file " + argsFile + " must hold a JSON array of strings");
        }
    }
}
