package run.capsule.engine.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.Compute;
import run.capsule.engine.Durations;
import run.capsule.engine.EnvGrant;
import run.capsule.engine.HostPattern;
import run.capsule.engine.InvalidInputException;
import run.capsule.engine.Limits;
import run.capsule.engine.MountSpec;
import run.capsule.engine.RetryPolicy;
import run.capsule.engine.Sizes;
import run.capsule.engine.TaskListener;
import run.capsule.engine.TaskResult;
import run.capsule.engine.TaskSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "run", description = {
        "Runs a WASI command module in a sandbox and waits for its result.",
        "The result is the module's stdout: its JSON value when stdout is JSON, else the text.",
        "Put guest arguments that start with '-' after '--'.",
        "Not yet enforced (validated and journaled only): --allow-host."})
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Parameters(index = "0", paramLabel = "FILE", description = "The WebAssembly module (.wasm)")
    String file;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments passed to the guest")
    List<String> args = new ArrayList<>();

    @Option(names = "--json", description = "Print exactly one JSON envelope on stdout")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Stream the lifecycle and the guest's stderr to stderr")
    boolean verbose;

    @Option(names = "--compute", paramLabel = "LEVEL", description = "Fuel budget: LOW (1e8), MEDIUM (2e9, default), HIGH (5e10) or a number of fuel units")
    String compute = "MEDIUM";

    @Option(names = "--ram", paramLabel = "SIZE", description = "Linear-memory limit, e.g. 64MB (default 256MB; rounded down to 64KB pages)")
    String ram = "256MB";

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Wall-clock limit per attempt, e.g. 30s, 500ms, 5m (default 60s)")
    String timeout = "60s";

    @Option(names = "--max-retries", paramLabel = "N", description = "Further attempts after a failure (default 0)")
    String maxRetries = "0";

    @Option(names = "--mount", paramLabel = "HOST[::GUEST][:ro|:rw]", description = "Grant a directory (repeatable; default guest path /NAME, default mode rw)")
    List<String> mounts = new ArrayList<>();

    @Option(names = "--allow-host", paramLabel = "PATTERN", description = "Allow a network host: host, *.domain or *, optional :port (repeatable; not yet enforced)")
    List<String> allowHosts = new ArrayList<>();

    @Option(names = "--env", paramLabel = "NAME[=VALUE]", description = "Pass an environment variable to the guest (repeatable); nothing else is passed")
    List<String> envs = new ArrayList<>();

    @Option(names = "--args-file", paramLabel = "FILE", description = "A JSON array of strings appended to ARGS")
    String argsFile;

    @Option(names = "--name", paramLabel = "NAME", description = "Task name (default: the file name without extension)")
    String name;

    @Override
    public Integer call() throws InterruptedException {
        TaskSpec spec;
        try {
            spec = spec();
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + e.getMessage());
            if (json) {
                printInvalidInput(e.getMessage());
            }
            return CapsuleCli.USAGE;
        }
        TaskResult result;
        try (Capsule capsule = cli.open(1)) {
            result = capsule.run(spec, verbose ? new VerboseListener(cli.err) : TaskListener.NONE);
        }
        if (json) {
            cli.out.println(Json.write(result));
        } else {
            printHuman(result);
        }
        return result.success() ? CapsuleCli.OK : CapsuleCli.FAILED;
    }

    private TaskSpec spec() {
        Path module = cli.workingDir.resolve(file);
        TaskSpec.Builder builder = TaskSpec.builder(module).args(args).args(argsFromFile());
        if (name != null) {
            builder.name(name);
        }
        builder.limits(Limits.builder()
                .compute(Compute.parse(compute))
                .ramBytes(Sizes.parse("--ram", ram))
                .timeout(Durations.parse("--timeout", timeout))
                .build());
        builder.retryPolicy(RetryPolicy.retries(parseRetries()));
        mounts.forEach(m -> builder.mount(MountSpec.parse(m, cli.workingDir)));
        allowHosts.forEach(h -> builder.allowHost(HostPattern.parse(h)));
        envs.forEach(e -> builder.env(EnvGrant.parse(e, cli.env)));
        return builder.build();
    }

    private int parseRetries() {
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

    private List<String> argsFromFile() {
        if (argsFile == null) {
            return List.of();
        }
        Path path = cli.workingDir.resolve(argsFile);
        try {
            return Json.MAPPER.readValue(Files.readString(path), new TypeReference<List<String>>() {
            });
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidInputException("--args-file " + argsFile + ": file not found");
        } catch (IOException e) {
            throw new InvalidInputException("--args-file " + argsFile + " must hold a JSON array of strings");
        }
    }

    boolean jsonRequested(String[] argv) {
        return json || List.of(argv).contains("--json");
    }

    void printInvalidInput(String message) {
        String taskName = file == null ? null : TaskSpec.builder(Path.of(file)).build().name();
        cli.out.println(Json.write(TaskResult.invalidInput(taskName, message)));
    }

    private void printHuman(TaskResult result) {
        TaskResult.Execution ex = result.execution();
        String retries = ex.retries() == 1 ? "1 retry" : ex.retries() + " retries";
        String id = ex.taskId() == null ? "not journaled" : "task " + ex.taskId();
        if (result.success()) {
            cli.err.println("✓ " + ex.taskName() + " succeeded in " + ex.durationMs() + " ms (" + id + ", " + retries + ")");
            JsonNode value = result.result();
            if (value != null) {
                cli.out.println(value.isTextual() ? value.asText() : Json.write(value));
            }
        } else {
            cli.err.println("✗ " + ex.taskName() + " failed: " + result.error().errorType() + ": " + result.error().message()
                    + " (" + id + ", " + retries + ")");
        }
    }
}
