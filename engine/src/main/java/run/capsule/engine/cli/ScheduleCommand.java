package run.capsule.engine.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.TaskSpec;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "schedule", mixinStandardHelpOptions = true, description = {
        "Recurring tasks: capsule schedule FILE [ARGS] --cron EXPR [--schedule-name N] [task flags];",
        "capsule schedule --list; capsule schedule --delete NAME.",
        "Cron expressions use Quartz syntax in UTC, e.g. \"0 */5 * * * ?\" (every five minutes). Workers fire them."})
final class ScheduleCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Mixin
    TaskFlags flags;

    @Option(names = "--cron", paramLabel = "EXPR", description = "When to queue a new task (Quartz cron, UTC)")
    String cron;

    @Option(names = "--schedule-name", paramLabel = "NAME", description = "The schedule's name (default: the task name)")
    String scheduleName;

    @Option(names = "--list", description = "List schedules")
    boolean list;

    @Option(names = "--delete", paramLabel = "NAME", description = "Delete a schedule")
    String delete;

    @Option(names = "--json", description = "Print JSON (with --list)")
    boolean json;

    @Override
    public Integer call() {
        int modes = (list ? 1 : 0) + (delete != null ? 1 : 0) + (cron != null ? 1 : 0);
        if (modes != 1) {
            cli.err.println("capsule: give exactly one of FILE --cron EXPR, --list or --delete NAME");
            return CapsuleCli.USAGE;
        }
        try (CapsuleClient capsule = cli.openClient()) {
            if (list) {
                List<Capsule.Schedule> schedules = capsule.schedules();
                if (json) {
                    var array = Json.MAPPER.createArrayNode();
                    schedules.forEach(s -> array.addObject().put("name", s.name()).put("cron", s.cron()).put("task_name", s.taskName())
                            .put("next_fire", s.nextFire() == null ? null : s.nextFire().toString()));
                    cli.out.println(Json.write(array));
                } else if (schedules.isEmpty()) {
                    cli.out.println("no schedules");
                } else {
                    schedules.forEach(s -> cli.out.println(TerminalText.line(s.name() + "  \"" + s.cron() + "\"  " + s.taskName() + "  next " + s.nextFire())));
                }
                return CapsuleCli.OK;
            }
            if (delete != null) {
                if (!capsule.deleteSchedule(delete)) {
                    cli.err.println("capsule: no schedule " + TerminalText.line(delete));
                    return CapsuleCli.FAILED;
                }
                cli.out.println("deleted schedule " + delete);
                return CapsuleCli.OK;
            }
            if (flags.file == null) {
                cli.err.println("capsule: --cron needs the FILE to run");
                return CapsuleCli.USAGE;
            }
            try {
                TaskSpec spec = flags.spec(cli.workingDir, cli.env);
                String name = scheduleName != null ? scheduleName : spec.name();
                capsule.addSchedule(name, cron, spec);
                cli.out.println("scheduled " + name + " \"" + cron + "\"");
                return CapsuleCli.OK;
            } catch (InvalidInputException e) {
                cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
                return CapsuleCli.USAGE;
            }
        }
    }
}
