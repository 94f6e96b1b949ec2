package run.capsule.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.engine.runner.RunnerPool;
import run.capsule.engine.runner.RunnerProcess;
import run.capsule.store.Journal;
import run.capsule.store.NewTask;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Child tasks of Python and JavaScript tasks (docs/languages.md): serves {@code task.start}, {@code task.wait},
 * {@code task.call} and {@code step.record} (docs/steps.md) for a running attempt. A child is journaled with {@code parent_id}, run to its end in its own
 * sandbox by this node (or by whichever node claims it first), with its own limits and retries. While a parent waits
 * it gives its runner slot to the pool, so a tree of any depth or width completes on N runners. A task being cancelled
 * (its tree is cancelled parent first, {@link Capsule#cancelTree}) starts no more children and is answered
 * {@code cancelled} rather than its children's results.
 */
final class ChildTasks {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long POLL_MS = 100;

    /** Runs a journaled task to its end on this node, in the background. */
    interface Driver {
        java.util.concurrent.CompletableFuture<Void> drive(String taskId);
    }

    private final java.util.Set<String> driving = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Journal journal;
    private final Programs programs;
    private final RunnerPool pool;
    private final Driver driver;
    private final Capsule capsule;
    private final Object finished = new Object();

    ChildTasks(Journal journal, Programs programs, RunnerPool pool, Driver driver, Capsule capsule) {
        this.journal = journal;
        this.programs = programs;
        this.pool = pool;
        this.driver = driver;
        this.capsule = capsule;
    }

    /** Wakes waiting parents: some task ended on this node. */
    void taskEnded() {
        synchronized (finished) {
            finished.notifyAll();
        }
    }

    RunnerProcess.CallHandler forAttempt(String parentId, int attemptNo, TaskSpec parent) {
        if (parent.program() == null) {
            return RunnerProcess.CallHandler.NONE;
        }
        return request -> {
            try {
                String op = request.path("op").asText();
                if ((op.equals("task.start") || op.equals("task.call")) && journal.tasks().isCancelRequested(parentId)) {
                    return error("cancelled", "this task is being cancelled: it starts no more child tasks");
                }
                return switch (op) {
                    case "task.start" -> JSON.createObjectNode().put("id", start(parentId, attemptNo, parent, request));
                    case "task.wait" -> waitFor(parentId, attemptNo, ids(request), request.path("any").asBoolean(false),
                            request.path("timeout_ms").asLong(-1));
                    case "task.call" -> {
                        String id = start(parentId, attemptNo, parent, request);
                        ObjectNode results = waitFor(parentId, attemptNo, List.of(id), false, -1);
                        if (results.has("error")) {
                            yield results;
                        }
                        ObjectNode reply = JSON.createObjectNode().put("id", id);
                        reply.set("envelope", results.path("results").path(id));
                        yield reply;
                    }
                    case "step.record" -> {
                        journal.steps().record(parentId, attemptNo, steps(request.path("steps")));
                        yield JSON.createObjectNode();
                    }
                    default -> error("unknown_op", "unknown op \"" + request.path("op").asText() + "\"");
                };
            } catch (InvalidInputException e) {
                return error(e.getMessage().startsWith("no task named") ? "unknown_task" : "bad_request", e.getMessage());
            }
        };
    }

    /** Step records as the runner sends them (docs/steps.md). */
    static List<run.capsule.store.NewStep> steps(JsonNode records) {
        List<run.capsule.store.NewStep> steps = new ArrayList<>();
        for (JsonNode r : records) {
            steps.add(new run.capsule.store.NewStep(r.path("stepNo").asInt(), r.path("kind").asText(), r.path("target").asText(),
                    r.path("request").asText("{}"), r.hasNonNull("outcome") ? r.get("outcome").asText() : null,
                    r.hasNonNull("childId") ? r.get("childId").asText() : null, r.path("durationMs").asLong()));
        }
        return steps;
    }

    private String start(String parentId, int attemptNo, TaskSpec parent, JsonNode request) {
        String name = request.path("task").asText("");
        if (name.isEmpty()) {
            throw new InvalidInputException("task.start needs a \"task\" name");
        }
        ObjectNode input = JSON.createObjectNode();
        input.set("args", request.path("args").isArray() ? request.get("args") : JSON.createArrayNode());
        input.set("kwargs", request.path("kwargs").isObject() ? request.get("kwargs") : JSON.createObjectNode());
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        parent.env().forEach(e -> env.put(e.name(), e.value()));
        TaskSpec child = programs.child(parent, name, input.toString(), env);
        PreparedTask prepared = PreparedTask.prepare(child);
        String id = TaskIds.next();
        NewTask task = new NewTask(id, child.name(), parentId, prepared.moduleSha256(), child.retryPolicy().maxRetries(),
                prepared.configJson(), prepared.envJson(), null, null);
        JsonNode step = request.get("step");
        if (step != null && step.isObject()) {
            List<run.capsule.store.NewStep> steps = steps(step.path("pending"));
            ObjectNode stepRequest = JSON.createObjectNode();
            stepRequest.set("args", input.get("args"));
            stepRequest.set("kwargs", input.get("kwargs"));
            steps.add(new run.capsule.store.NewStep(step.path("stepNo").asInt(), "child", name, stepRequest.toString(),
                    JSON.createObjectNode().put("id", id).toString(), id, 0));
            journal.tasks().createChild(task, prepared.moduleBytes(), attemptNo, steps);
        } else {
            journal.tasks().create(task, prepared.moduleBytes());
        }
        if (journal.tasks().isCancelRequested(parentId)) {
            // the parent's cancellation raced this start and may have listed its descendants before this child existed
            journal.tasks().requestCancel(id);
            return id;
        }
        drive(id);
        return id;
    }

    /** Makes sure this node runs the child to its end unless it is already doing so (an adopted child after a replay). */
    private void drive(String id) {
        if (driving.add(id)) {
            driver.drive(id).whenComplete((v, e) -> driving.remove(id));
        }
    }

    /** Waits for the children {@code ids} (any one of them with {@code any}); with {@code timeoutMs} ≥ 0, returns what has finished by then. */
    private ObjectNode waitFor(String parentId, int attemptNo, List<String> ids, boolean any, long timeoutMs) {
        long deadline = timeoutMs < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMs * 1_000_000;
        for (String id : ids) {
            Optional<TaskRow> child = journal.tasks().find(id);
            if (child.isEmpty() || !parentId.equals(child.get().parentId())) {
                return error("bad_request", "task " + id + " is not a child of this task");
            }
            TaskStatus status = child.get().status();
            if (status == TaskStatus.PENDING || status == TaskStatus.RETRY_WAIT) {
                drive(id);
            }
        }
        // The runner slot goes to the children while the task waits. A timed wait (an event loop with a timer due)
        // takes it back at once, over the pool's size if need be, since waiting for a slot would make the timer late.
        pool.park();
        try {
            while (true) {
                ObjectNode results = JSON.createObjectNode();
                for (String id : ids) {
                    capsule.result(id).ifPresent(r -> results.set(id, JSON.valueToTree(r)));
                }
                if (results.size() == ids.size() || (any && results.size() > 0) || (timeoutMs >= 0 && System.nanoTime() >= deadline)) {
                    if (journal.tasks().isCancelRequested(parentId)) {
                        // cancelling a tree ends the children after the parent was asked to stop: not results to act on
                        return error("cancelled", "this task is being cancelled");
                    }
                    ObjectNode reply = JSON.createObjectNode();
                    reply.set("results", results);
                    return reply;
                }
                Optional<TaskRow> parent = journal.tasks().find(parentId);
                if (parent.isEmpty() || parent.get().status() != TaskStatus.RUNNING || parent.get().attempts() != attemptNo) {
                    return error("cancelled", "the waiting attempt is no longer current");
                }
                synchronized (finished) {
                    finished.wait(timeoutMs < 0 ? POLL_MS : Math.max(1, Math.min(POLL_MS, (deadline - System.nanoTime()) / 1_000_000)));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error("cancelled", "interrupted while waiting for child tasks");
        } finally {
            if (timeoutMs < 0) {
                pool.unpark();
            } else {
                pool.unparkNow();
            }
        }
    }

    private static List<String> ids(JsonNode request) {
        List<String> ids = new ArrayList<>();
        request.path("ids").forEach(id -> ids.add(id.asText()));
        if (ids.isEmpty()) {
            throw new InvalidInputException("task.wait needs a non-empty \"ids\" list");
        }
        return ids;
    }

    private static ObjectNode error(String type, String message) {
        ObjectNode reply = JSON.createObjectNode();
        reply.putObject("error").put("type", type).put("message", message);
        return reply;
    }
}
