package run.capsule.engine.cli;

import run.capsule.engine.spec.Cancellation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.store.TaskRow;

import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancels a task and its unfinished child tasks: a pending one never runs; a running attempt is stopped and recorded CANCELLED.")
final class CancelCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Parameters(index = "0", paramLabel = "TASK_ID")
    String taskId;

    @Override
    public Integer call() {
        try (CapsuleCli.Lease<CapsuleClient> client = cli.client()) {
            CapsuleClient capsule = client.capsule();
            Optional<TaskRow> task = StatusCommand.find(cli, capsule, taskId);
            if (task.isEmpty()) {
                return CapsuleCli.FAILED;
            }
            String id = task.get().id();
            Cancellation cancellation = capsule.cancelTree(id);
            int n = cancellation.children().size();
            String children = n == 0 ? "" : " and " + n + " unfinished child task" + (n == 1 ? "" : "s");
            switch (cancellation.outcome()) {
                case CANCELLED -> cli.out.println("cancelled " + id + children);
                case REQUESTED -> cli.out.println("cancelling " + id + children + ": " + (n == 0 ? "its node stops" : "their nodes stop")
                        + " the running attempt" + (n == 0 ? "" : "s"));
                case ALREADY_FINISHED -> {
                    if (n > 0) {
                        cli.out.println("task " + id + " had already ended (" + task.get().status() + "); cancelled its " + n
                                + " unfinished child task" + (n == 1 ? "" : "s"));
                        return CapsuleCli.OK;
                    }
                    cli.err.println("capsule: task " + id + " has already ended (" + task.get().status() + ")");
                    return CapsuleCli.FAILED;
                }
                default -> {
                    cli.err.println("capsule: no task " + TerminalText.line(taskId));
                    return CapsuleCli.FAILED;
                }
            }
            return CapsuleCli.OK;
        }
    }
}
