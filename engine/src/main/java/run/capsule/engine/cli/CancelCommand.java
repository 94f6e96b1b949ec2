package run.capsule.engine.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.store.CancelOutcome;
import run.capsule.store.TaskRow;

import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancels a task: a pending one never runs; a running attempt is stopped and recorded CANCELLED.")
final class CancelCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Parameters(index = "0", paramLabel = "TASK_ID")
    String taskId;

    @Override
    public Integer call() {
        try (Capsule capsule = cli.openClient()) {
            Optional<TaskRow> task = StatusCommand.find(cli, capsule, taskId);
            if (task.isEmpty()) {
                return CapsuleCli.FAILED;
            }
            CancelOutcome outcome = capsule.cancel(task.get().id());
            switch (outcome) {
                case CANCELLED -> cli.out.println("cancelled " + task.get().id());
                case REQUESTED -> cli.out.println("cancelling " + task.get().id() + ": its node stops the running attempt");
                case ALREADY_FINISHED -> {
                    cli.err.println("capsule: task " + task.get().id() + " has already ended (" + task.get().status() + ")");
                    return CapsuleCli.FAILED;
                }
                default -> {
                    cli.err.println("capsule: no task " + taskId);
                    return CapsuleCli.FAILED;
                }
            }
            return CapsuleCli.OK;
        }
    }
}
