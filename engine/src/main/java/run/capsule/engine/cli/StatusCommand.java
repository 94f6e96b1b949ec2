package run.capsule.engine.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.store.TaskRow;

import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Shows a task's status.")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Parameters(index = "0", paramLabel = "TASK_ID")
    String taskId;

    @Option(names = "--json", description = "Print JSON")
    boolean json;

    @Override
    public Integer call() {
        try (CapsuleCli.Lease<CapsuleClient> client = cli.client()) {
            CapsuleClient capsule = client.capsule();
            Optional<TaskRow> task = find(cli, capsule, taskId);
            if (task.isEmpty()) {
                return CapsuleCli.FAILED;
            }
            TaskRow t = task.get();
            if (json) {
                cli.out.println(Json.write(Json.object()
                        .put("task_id", t.id()).put("name", t.name()).put("status", t.status().name())
                        .put("attempts", t.attempts()).put("recoveries", t.recoveries())
                        .put("created_at", Json.time(t.createdAt())).put("updated_at", Json.time(t.updatedAt()))
                        .put("run_at", Json.time(t.runAt())).put("error_type", t.errorType()).put("error_message", t.errorMessage())));
            } else {
                cli.out.println(t.id() + "  " + TerminalText.line(t.name()) + "  " + t.status() + "  attempts " + t.attempts()
                        + (t.errorType() == null ? "" : "  " + TerminalText.line(t.errorType()) + ": " + TerminalText.line(t.errorMessage())));
            }
            return CapsuleCli.OK;
        }
    }

    static Optional<TaskRow> find(CapsuleCli cli, CapsuleClient capsule, String id) {
        try {
            Optional<TaskRow> task = capsule.findTask(id);
            if (task.isEmpty()) {
                cli.err.println("capsule: no task " + TerminalText.line(id));
            }
            return task;
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            return Optional.empty();
        }
    }
}
