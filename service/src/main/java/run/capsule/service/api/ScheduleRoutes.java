package run.capsule.service.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.engine.CapsuleClient;
import run.capsule.service.http.ApiError;
import run.capsule.service.http.Exchange;
import run.capsule.service.http.Json;

import java.util.Set;

/** {@code /api/v1/schedules}: list, create (a submit body plus {@code schedule_name} and {@code cron}), pause, resume, delete. */
public final class ScheduleRoutes {
    private final CapsuleClient client;
    private final TaskRequests requests;

    public ScheduleRoutes(CapsuleClient client, TaskRequests requests) {
        this.client = client;
        this.requests = requests;
    }

    public void list(Exchange exchange) throws Exception {
        ObjectNode body = Json.object();
        ArrayNode array = body.putArray("schedules");
        client.schedules().forEach(s -> array.add(json(s)));
        exchange.json(200, body);
    }

    public void create(Exchange exchange) throws Exception {
        JsonNode body = exchange.jsonBody();
        if (body == null || !body.isObject()) {
            throw ApiError.invalid("the body must be a JSON object");
        }
        String name = body.path("schedule_name").isTextual() ? body.path("schedule_name").asText() : null;
        String cron = body.path("cron").isTextual() ? body.path("cron").asText() : null;
        if (name == null || cron == null) {
            throw ApiError.invalid((name == null ? "schedule_name" : "cron") + ": required string");
        }
        if (body.has("idempotency_key") || body.has("run_at") || body.has("delay") || body.has("labels")) {
            throw ApiError.invalid("idempotency_key, run_at, delay and labels are for one task, not a schedule");
        }
        try (TaskRequests.Submission submission = requests.read(body, Set.of("schedule_name", "cron"))) {
            var spec = client.resolve(submission.spec(), requests.grantableEnv());
            client.addSchedule(name, cron, spec);
        }
        exchange.json(201, json(find(name)));
    }

    public void pause(Exchange exchange) throws Exception {
        setPaused(exchange, true);
    }

    public void resume(Exchange exchange) throws Exception {
        setPaused(exchange, false);
    }

    private void setPaused(Exchange exchange, boolean paused) throws Exception {
        String name = exchange.param("name");
        if (!client.pauseSchedule(name, paused)) {
            throw ApiError.notFound("no schedule " + name);
        }
        exchange.json(200, json(find(name)));
    }

    public void delete(Exchange exchange) {
        String name = exchange.param("name");
        if (!client.deleteSchedule(name)) {
            throw ApiError.notFound("no schedule " + name);
        }
        exchange.noContent();
    }

    private CapsuleClient.Schedule find(String name) {
        return client.schedules().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> ApiError.notFound("no schedule " + name));
    }

    private static ObjectNode json(CapsuleClient.Schedule s) {
        return Json.object().put("name", s.name()).put("cron", s.cron()).put("task_name", s.taskName())
                .put("next_fire", s.nextFire() == null ? null : s.nextFire().toString()).put("paused", s.paused());
    }
}
