package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.TaskListener;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "run", mixinStandardHelpOptions = true, description = {
        "Runs a WASI command module, or the main task of a Python (.py), JavaScript (.js) or TypeScript (.ts) source, in a sandbox and waits for its result.",
        "A module's result is its stdout: its JSON value when stdout is JSON, else the text. A source's result is what main returns.",
        "Put guest arguments that start with '-' after '--'."})
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Mixin
    TaskFlags task;

    @Option(names = "--json", description = "Print exactly one JSON envelope on stdout")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Stream the lifecycle and the guest's stderr to stderr")
    boolean verbose;

    @Override
    public Integer call() throws InterruptedException {
        TaskSpec spec;
        try {
            spec = task.spec(cli.workingDir, cli.env);
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            if (json) {
                printInvalidInput(e.getMessage());
            }
            return CapsuleCli.USAGE;
        }
        TaskResult result;
        try (CapsuleCli.Lease<Capsule> node = cli.nodeForRun()) {
            Capsule capsule = node.capsule();
            try {
                spec = capsule.resolve(spec, TaskFlags.envSources(cli.workingDir, cli.env));
            } catch (InvalidInputException e) {
                cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
                if (json) {
                    printInvalidInput(e.getMessage());
                }
                return CapsuleCli.FAILED;
            }
            result = capsule.run(spec, verbose ? new VerboseListener(cli.err) : TaskListener.NONE);
        }
        if (json) {
            cli.out.println(Json.write(result));
        } else {
            printHuman(cli, result);
        }
        return result.success() ? CapsuleCli.OK : CapsuleCli.FAILED;
    }

    boolean jsonRequested(String[] argv) {
        return json || List.of(argv).contains("--json");
    }

    void printInvalidInput(String message) {
        cli.out.println(Json.write(TaskResult.invalidInput(task == null ? null : task.taskNameOrNull(), message)));
    }

    static void printHuman(CapsuleCli cli, TaskResult result) {
        TaskResult.Execution ex = result.execution();
        String retries = ex.retries() == 1 ? "1 retry" : ex.retries() + " retries";
        String id = ex.taskId() == null ? "not journaled" : "task " + ex.taskId();
        if (result.success()) {
            cli.err.println("✓ " + TerminalText.line(ex.taskName()) + " succeeded in " + ex.durationMs() + " ms (" + id + ", " + retries + ")");
            JsonNode value = result.result();
            if (value != null) {
                cli.out.println(TerminalText.block(value.isTextual() ? value.asText() : Json.write(value)));
            }
        } else {
            cli.err.println("✗ " + TerminalText.line(ex.taskName()) + " failed: " + TerminalText.line(result.error().errorType()) + ": "
                    + TerminalText.line(result.error().message())
                    + " (" + id + ", " + retries + ")");
        }
    }
}
