package run.capsule.service.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.TaskResult;
import run.capsule.service.http.ApiError;
import run.capsule.service.http.Exchange;
import run.capsule.service.http.Json;
import run.capsule.store.AttemptOutputs;
import run.capsule.store.AttemptRow;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskSummary;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import run.capsule.engine.spec.Cancellation;

/** The handlers of {@code /api/v1/tasks...}: submit, detail, long-poll result, cancel, rerun, output. The list is {@link TaskList}. */
public final class TaskRoutes {
    static final Duration MAX_WAIT = Duration.ofSeconds(60);
    private final CapsuleClient client;
    private final TaskRequests requests;
    private final Runnable wakeWorker;

    public TaskRoutes(CapsuleClient client, TaskRequests requests) {
        this(client, requests, () -> { });
    }

    /** {@code wakeWorker}: tells this node's worker that a task was queued, so it claims it now, not at its next poll. */
    public TaskRoutes(CapsuleClient client, TaskRequests requests, Runnable wakeWorker) {
        this.client = client;
        this.requests = requests;
        this.wakeWorker = wakeWorker;
    }

    public void submit(Exchange exchange) throws Exception {
        CapsuleClient.SubmitResult result = submit(exchange.jsonBody());
        if (result.created()) {
            wakeWorker.run();
        }
        exchange.json(result.created() ? 201 : 200, submitted(result));
    }

    /** A submit body of docs/api.md checked against the operator's bounds and submitted (also the MCP tools' way in). */
    public CapsuleClient.SubmitResult submit(JsonNode body) throws InterruptedException {
        try (TaskRequests.Submission submission = requests.read(body, Set.of())) {
            var spec = client.resolve(submission.spec(), requests.grantableEnv());
            return client.submit(spec, submission.options(), submission.labels());
        }
    }

    static ObjectNode submitted(CapsuleClient.SubmitResult result) {
        return Json.object().put("id", result.taskId()).put("created", result.created()).put("status_url", "/api/v1/tasks/" + result.taskId());
    }

    public void detail(Exchange exchange) throws Exception {
        exchange.json(200, detail(exchange.param("id")));
    }

    /** The task of GET /api/v1/tasks/{id}; 404 {@link ApiError} when there is none. */
    public ObjectNode detail(String id) {
        TaskSummary summary = client.listing().summary(id).orElseThrow(() -> noTask(id));
        TaskRow task = client.task(id).orElseThrow(() -> noTask(id));
        ObjectNode node = TaskJson.row(summary);
        JsonNode config = TaskJson.parse(task.configJson());
        JsonNode program = config.path("program");
        node.set("input", program.isObject() ? program.path("input") : config.path("args"));
        node.set("result", TaskJson.parse(task.resultJson()));
        node.set("config", config);
        List<AttemptRow> attempts = client.attempts(id);
        node.set("limits_usage", usage(config, task, attempts));
        ArrayNode attemptArray = node.putArray("attempts");
        attempts.forEach(a -> attemptArray.add(TaskJson.attempt(a, client.hostRequests(id, a.attemptNo()))));
        ArrayNode events = node.putArray("events");
        client.events(id).forEach(e -> events.add(TaskJson.event(e)));
        ArrayNode steps = node.putArray("steps");
        client.steps(id).forEach(s -> steps.add(TaskJson.step(s)));
        node.set("children", TaskJson.rows(client.listing().children(id)));
        return node;
    }

    private static ObjectNode usage(JsonNode config, TaskRow task, List<AttemptRow> attempts) {
        JsonNode limits = config.path("limits");
        ObjectNode usage = Json.object();
        usage.set("fuel", TaskJson.usage(longOrNull(limits.path("fuel")), attempts.stream().map(AttemptRow::fuelConsumed)
                .filter(java.util.Objects::nonNull).max(Long::compare).orElse(null)));
        usage.set("ram_bytes", TaskJson.usage(longOrNull(limits.path("ram_bytes")), attempts.stream().map(AttemptRow::ramUsed)
                .filter(java.util.Objects::nonNull).max(Long::compare).orElse(null)));
        usage.set("time_ms", TaskJson.usage(longOrNull(limits.path("timeout_ms")), attempts.stream().map(AttemptRow::durationMs)
                .filter(java.util.Objects::nonNull).max(Long::compare).orElse(null)));
        long failed = attempts.stream().filter(a -> a.status() == run.capsule.store.AttemptStatus.FAILED).count();
        usage.set("retries", TaskJson.usage((long) task.maxRetries(), Math.max(0, Math.min(failed, attempts.size() - 1L))));
        return usage;
    }

    private static Long longOrNull(JsonNode node) {
        return node.isNumber() ? node.asLong() : null;
    }

    public void result(Exchange exchange) throws Exception {
        String id = exchange.param("id");
        TaskRow task = client.task(id).orElseThrow(() -> noTask(id));
        Duration wait = Duration.ZERO;
        String text = exchange.query("wait");
        if (text != null) {
            try {
                wait = text.strip().matches("0+(ms|s)?") ? Duration.ZERO : Durations.parse("wait", text);
            } catch (InvalidInputException e) {
                throw ApiError.invalid("wait: " + e.getMessage());
            }
            if (wait.compareTo(MAX_WAIT) > 0) {
                throw ApiError.invalid("wait: at most " + MAX_WAIT.toSeconds() + "s");
            }
        }
        Optional<TaskResult> result = wait.isZero() ? client.result(id) : client.await(id, wait);
        if (result.isPresent()) {
            exchange.json(200, Json.MAPPER.valueToTree(result.get()));
            return;
        }
        String status = client.task(id).map(t -> t.status().name()).orElse(task.status().name());
        exchange.json(202, Json.object().put("id", id).put("status", status));
    }

    public void cancel(Exchange exchange) throws Exception {
        String id = exchange.param("id");
        client.task(id).orElseThrow(() -> noTask(id));
        Cancellation cancellation = client.cancelTree(id);
        ObjectNode node = Json.object().put("id", id).put("outcome", cancellation.outcome().name());
        ArrayNode children = node.putArray("children");
        cancellation.children().forEach(children::add);
        exchange.json(200, node);
    }

    public void rerun(Exchange exchange) throws Exception {
        String id = exchange.param("id");
        TaskRow task = client.task(id).orElseThrow(() -> noTask(id));
        JsonNode body = exchange.jsonBody();
        String input = null;
        List<String> args = null;
        Map<String, String> labels = Map.of();
        if (body != null) {
            JsonFields f = new JsonFields(body, "", Set.of("args", "kwargs", "labels"));
            labels = TaskRequests.labels(f.stringMap("labels"));
            boolean program = task.configJson().contains("\"program\":{");
            if (program && (f.has("args") || f.has("kwargs"))) {
                input = TaskRequests.input(f);
            } else if (!program && f.has("kwargs")) {
                throw ApiError.invalid("kwargs: a WebAssembly module takes only args (strings)");
            } else if (!program && f.has("args")) {
                args = f.strings("args");
            }
        }
        CapsuleClient.SubmitResult result = client.rerun(id, input, args, labels);
        exchange.json(201, submitted(result));
    }

    public void output(Exchange exchange) throws Exception {
        exchange.json(200, output(exchange.param("id")));
    }

    /** The output of GET /api/v1/tasks/{id}/output: stdout and stderr of each attempt. */
    public ObjectNode output(String id) {
        client.task(id).orElseThrow(() -> noTask(id));
        ObjectNode node = Json.object().put("id", id);
        ArrayNode attempts = node.putArray("attempts");
        for (AttemptOutputs.Row row : client.output(id)) {
            attempts.addObject().put("attempt_no", row.attemptNo())
                    .put("stdout", row.output().stdout()).put("stdout_truncated", row.output().stdoutTruncated())
                    .put("stderr", row.output().stderr()).put("stderr_truncated", row.output().stderrTruncated());
        }
        return node;
    }

    public static ApiError noTask(String id) {
        return ApiError.notFound("no task " + (id.length() > 100 ? id.substring(0, 100) + "..." : id));
    }
}
