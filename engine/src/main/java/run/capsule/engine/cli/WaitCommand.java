package run.capsule.engine.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.TaskResult;
import run.capsule.store.TaskRow;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "wait", mixinStandardHelpOptions = true, description = {"Waits until a task ends and prints its result (the envelope with --json).",
        "Exit code 3 when --timeout passes first."})
final class WaitCommand implements Callable<Integer> {
    static final int STILL_RUNNING = 3;

    @ParentCommand
    CapsuleCli cli;

    @Parameters(index = "0", paramLabel = "TASK_ID")
    String taskId;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Give up after this long (default: wait indefinitely)")
    String timeout;

    @Option(names = "--json", description = "Print the JSON envelope")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        Duration limit;
        try {
            limit = timeout == null ? Duration.ofDays(365) : Durations.parse("--timeout", timeout);
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            return CapsuleCli.USAGE;
        }
        try (CapsuleClient capsule = cli.openClient()) {
            Optional<TaskRow> task = StatusCommand.find(cli, capsule, taskId);
            if (task.isEmpty()) {
                return CapsuleCli.FAILED;
            }
            Optional<TaskResult> result = capsule.await(task.get().id(), limit);
            if (result.isEmpty()) {
                cli.err.println("capsule: task " + task.get().id() + " has not ended after " + Durations.format(limit));
                return STILL_RUNNING;
            }
            if (json) {
                cli.out.println(Json.write(result.get()));
            } else {
                RunCommand.printHuman(cli, result.get());
            }
            return result.get().success() ? CapsuleCli.OK : CapsuleCli.FAILED;
        }
    }
}
