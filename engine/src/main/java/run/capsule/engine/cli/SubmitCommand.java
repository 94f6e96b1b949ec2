package run.capsule.engine.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;

@Command(name = "submit", mixinStandardHelpOptions = true, description = {
        "Queues a task for a worker (capsule worker) and prints its id at once.",
        "The id is printed only once the task is durably journaled."})
final class SubmitCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Mixin
    TaskFlags task;

    @Option(names = "--json", description = "Print {\"task_id\": \"...\"}")
    boolean json;

    @Option(names = "--idempotency-key", paramLabel = "KEY", description = "Submitting again with the same key returns the first task's id and creates nothing")
    String idempotencyKey;

    @Option(names = "--run-at", paramLabel = "ISO-8601", description = "Do not start before this time, e.g. 2026-12-01T09:00:00Z")
    String runAt;

    @Option(names = "--delay", paramLabel = "DURATION", description = "Do not start before this much time has passed, e.g. 10s")
    String delay;

    @Override
    public Integer call() throws InterruptedException {
        TaskSpec spec;
        SubmitOptions options;
        try {
            spec = task.spec(cli.workingDir, cli.env);
            options = new SubmitOptions(startTime(), idempotencyKey);
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            return CapsuleCli.USAGE;
        }
        try (CapsuleCli.Lease<CapsuleClient> client = cli.client()) {
            CapsuleClient capsule = client.capsule();
            Capsule.SubmitResult submitted;
            try {
                spec = capsule.resolve(spec, TaskFlags.envSources(cli.workingDir, cli.env));
                submitted = capsule.submit(spec, options);
            } catch (InvalidInputException e) {
                cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
                return CapsuleCli.FAILED;
            }
            if (json) {
                cli.out.println(Json.write(Json.object().put("task_id", submitted.taskId())));
            } else {
                cli.out.println(submitted.taskId());
            }
            if (!submitted.created()) {
                cli.err.println("capsule: idempotency key already used; this is the first task's id");
            }
            return CapsuleCli.OK;
        }
    }

    private Instant startTime() {
        if (runAt != null && delay != null) {
            throw new InvalidInputException("use either --run-at or --delay, not both");
        }
        if (delay != null) {
            return Instant.now().plus(Durations.parse("--delay", delay));
        }
        if (runAt != null) {
            try {
                return OffsetDateTime.parse(runAt).toInstant();
            } catch (DateTimeParseException e) {
                try {
                    return Instant.parse(runAt);
                } catch (DateTimeParseException e2) {
                    throw new InvalidInputException("invalid --run-at value '" + runAt + "': use ISO-8601 such as 2026-12-01T09:00:00Z");
                }
            }
        }
        return null;
    }
}
