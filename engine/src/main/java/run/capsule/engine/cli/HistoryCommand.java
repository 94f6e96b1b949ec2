package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.store.AttemptRow;
import run.capsule.store.EventRow;
import run.capsule.store.StepRow;
import run.capsule.store.TaskRow;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "history", mixinStandardHelpOptions = true, description = {
        "Shows recent tasks, or one task with its attempts, journaled steps and status changes.",
        "TASK_ID may be a unique prefix of an id. --tree adds the tree of its child tasks."})
final class HistoryCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TASK_ID")
    String taskId;

    @Option(names = "--json", description = "Print JSON")
    boolean json;

    @Option(names = "--limit", paramLabel = "N", description = "How many recent tasks (default 20)")
    int limit = 20;

    @Option(names = "--tree", description = "With TASK_ID: also show the tree of its child tasks")
    boolean tree;

    @Override
    public Integer call() {
        if (limit < 1 || limit > 10_000) {
            cli.err.println("capsule: --limit must be between 1 and 10000");
            return CapsuleCli.USAGE;
        }
        try (CapsuleCli.Lease<CapsuleClient> client = cli.client()) {
            CapsuleClient capsule = client.capsule();
            if (taskId == null) {
                List<TaskRow> tasks = capsule.recentTasks(limit);
                if (json) {
                    ArrayNode array = Json.MAPPER.createArrayNode();
                    tasks.forEach(t -> array.add(task(t)));
                    cli.out.println(Json.write(array));
                } else {
                    printTasks(tasks);
                }
                return CapsuleCli.OK;
            }
            Optional<TaskRow> found;
            try {
                found = capsule.findTask(taskId);
            } catch (InvalidInputException e) {
                cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
                return CapsuleCli.FAILED;
            }
            if (found.isEmpty()) {
                cli.err.println("capsule: no task " + TerminalText.line(taskId));
                return CapsuleCli.FAILED;
            }
            TaskRow task = found.get();
            List<AttemptRow> attempts = capsule.attempts(task.id());
            List<EventRow> events = capsule.events(task.id());
            List<StepRow> steps = capsule.steps(task.id());
            if (json) {
                ObjectNode node = Json.object();
                node.set("task", task(task));
                ArrayNode a = node.putArray("attempts");
                attempts.forEach(r -> a.add(attempt(r)));
                ArrayNode st = node.putArray("steps");
                steps.forEach(r -> st.add(step(r)));
                ArrayNode e = node.putArray("events");
                events.forEach(r -> e.add(event(r)));
                if (tree) {
                    node.set("children", childrenJson(capsule, task.id(), 0));
                }
                cli.out.println(Json.write(node));
            } else {
                printTask(task, attempts, events);
                printSteps(steps);
                if (tree) {
                    cli.out.println();
                    cli.out.println("tree");
                    cli.out.println(line(task));
                    printTree(capsule, task.id(), "", 0);
                }
            }
            return CapsuleCli.OK;
        }
    }

    private void printTasks(List<TaskRow> tasks) {
        if (tasks.isEmpty()) {
            cli.out.println("no tasks yet");
            return;
        }
        cli.out.printf("%-36s  %-20s  %-10s  %8s  %-24s  %s%n", "TASK_ID", "NAME", "STATUS", "ATTEMPTS", "CREATED_AT", "ERROR");
        for (TaskRow t : tasks) {
            cli.out.printf("%-36s  %-20s  %-10s  %8d  %-24s  %s%n", t.id(), abbreviate(TerminalText.line(t.name()), 20), t.status(), t.attempts(),
                    Json.time(t.createdAt()), t.errorType() == null ? "" : TerminalText.line(t.errorType()));
        }
    }

    private void printTask(TaskRow t, List<AttemptRow> attempts, List<EventRow> events) {
        cli.out.println("task        " + t.id());
        cli.out.println("name        " + TerminalText.line(t.name()));
        cli.out.println("status      " + t.status());
        cli.out.println("created_at  " + Json.time(t.createdAt()));
        cli.out.println("updated_at  " + Json.time(t.updatedAt()));
        cli.out.println("attempts    " + t.attempts() + " (max retries " + t.maxRetries() + ")");
        if (t.resultJson() != null) {
            cli.out.println("result      " + abbreviate(TerminalText.line(t.resultJson()), 200));
        }
        if (t.errorType() != null) {
            cli.out.println("error       " + TerminalText.line(t.errorType()) + ": " + TerminalText.line(t.errorMessage()));
        }
        cli.out.println();
        cli.out.printf("%-7s  %-10s  %10s  %12s  %10s  %5s  %s%n", "ATTEMPT", "STATUS", "DURATION", "FUEL", "RAM", "EXIT", "NODE / ERROR");
        for (AttemptRow a : attempts) {
            cli.out.printf("%-7d  %-10s  %10s  %12s  %10s  %5s  %s%n", a.attemptNo(), a.status(),
                    a.durationMs() == null ? "-" : a.durationMs() + " ms", dash(a.fuelConsumed()), dash(a.ramUsed()), dash(a.exitCode()),
                    TerminalText.line(a.nodeId() + (a.errorType() == null ? "" : "  " + a.errorType() + ": " + a.errorMessage())
                            + (a.errorType() == null && a.errorMessage() != null ? "  " + a.errorMessage() : "")));
            if (a.errorDetail() != null) {
                a.errorDetail().strip().lines().forEach(l -> cli.out.println("         | " + TerminalText.block(l)));
            }
        }
        cli.out.println();
        for (EventRow e : events) {
            cli.out.printf("%-24s  %-10s -> %-10s  %s%n", Json.time(e.at()), e.fromStatus() == null ? "" : e.fromStatus(), e.toStatus(), TerminalText.line(e.reason()));
        }
    }

    private static final int MAX_TREE_DEPTH = 50;

    private void printSteps(List<StepRow> steps) {
        if (steps.isEmpty()) {
            return;
        }
        cli.out.println();
        cli.out.printf("%-5s  %-7s  %-40s  %10s  %s%n", "STEP", "KIND", "TARGET", "DURATION", "RAN");
        for (StepRow s : steps) {
            cli.out.printf("%-5d  %-7s  %-40s  %10s  %s%n", s.stepNo(), s.kind(), abbreviate(TerminalText.line(s.target()), 40), s.durationMs() + " ms",
                    ran(s) + (s.childId() == null ? "" : "  child " + s.childId()));
        }
    }

    private static String ran(StepRow s) {
        String live = "live in attempt " + s.attemptNo();
        return s.replays() == 0 ? live : live + ", replayed " + s.replays() + "x (last in attempt " + s.lastReplayedAttempt() + ")";
    }

    private void printTree(CapsuleClient capsule, String parentId, String indent, int depth) {
        List<TaskRow> children = capsule.children(parentId);
        for (int i = 0; i < children.size(); i++) {
            boolean last = i == children.size() - 1;
            TaskRow child = children.get(i);
            cli.out.println(indent + (last ? "└─ " : "├─ ") + line(child));
            if (depth < MAX_TREE_DEPTH) {
                printTree(capsule, child.id(), indent + (last ? "   " : "│  "), depth + 1);
            }
        }
    }

    private static String line(TaskRow t) {
        long ms = java.time.Duration.between(t.createdAt(), t.updatedAt()).toMillis();
        return TerminalText.line(t.name()) + "  " + t.status() + "  " + t.id() + "  " + ms + " ms" + (t.errorType() == null ? "" : "  " + TerminalText.line(t.errorType()));
    }

    private static ArrayNode childrenJson(CapsuleClient capsule, String parentId, int depth) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (TaskRow child : capsule.children(parentId)) {
            ObjectNode node = task(child);
            node.remove("config");
            if (depth < MAX_TREE_DEPTH) {
                node.set("children", childrenJson(capsule, child.id(), depth + 1));
            }
            array.add(node);
        }
        return array;
    }

    private static ObjectNode step(StepRow s) {
        ObjectNode n = Json.object();
        n.put("step_no", s.stepNo());
        n.put("kind", s.kind());
        n.put("target", s.target());
        n.set("request", readTree(s.request()));
        n.set("outcome", s.outcome() == null ? null : readTree(s.outcome()));
        n.put("child_id", s.childId());
        n.put("attempt_no", s.attemptNo());
        n.put("at", Json.time(s.at()));
        n.put("duration_ms", s.durationMs());
        n.put("replays", s.replays());
        n.put("last_replayed_attempt", s.lastReplayedAttempt());
        return n;
    }

    static ObjectNode task(TaskRow t) {
        ObjectNode n = Json.object();
        n.put("id", t.id());
        n.put("name", t.name());
        n.put("status", t.status().name());
        n.put("parent_id", t.parentId());
        n.put("created_at", Json.time(t.createdAt()));
        n.put("updated_at", Json.time(t.updatedAt()));
        n.put("attempts", t.attempts());
        n.put("max_retries", t.maxRetries());
        n.set("result", t.resultJson() == null ? null : readTree(t.resultJson()));
        n.put("error_type", t.errorType());
        n.put("error_message", t.errorMessage());
        n.set("config", readTree(t.configJson()));
        return n;
    }

    private static ObjectNode attempt(AttemptRow a) {
        ObjectNode n = Json.object();
        n.put("attempt_no", a.attemptNo());
        n.put("node_id", a.nodeId());
        n.put("status", a.status().name());
        n.put("started_at", Json.time(a.startedAt()));
        n.put("finished_at", Json.time(a.finishedAt()));
        n.put("duration_ms", a.durationMs());
        n.put("fuel_consumed", a.fuelConsumed());
        n.put("ram_used", a.ramUsed());
        n.put("exit_code", a.exitCode());
        n.put("error_type", a.errorType());
        n.put("error_message", a.errorMessage());
        n.put("error_detail", a.errorDetail());
        return n;
    }

    private static ObjectNode event(EventRow e) {
        ObjectNode n = Json.object();
        n.put("attempt_no", e.attemptNo());
        n.put("at", Json.time(e.at()));
        n.put("from_status", e.fromStatus() == null ? null : e.fromStatus().name());
        n.put("to_status", e.toStatus().name());
        n.put("reason", e.reason());
        return n;
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            return com.fasterxml.jackson.databind.node.TextNode.valueOf(json);
        }
    }

    private static String dash(Object value) {
        return value == null ? "-" : value.toString();
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
