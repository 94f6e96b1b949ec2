package run.capsule.service.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.protocol.HostRequest;
import run.capsule.store.AttemptRow;
import run.capsule.store.EventRow;
import run.capsule.store.StepRow;
import run.capsule.store.TaskSummary;
import run.capsule.service.http.Json;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** The JSON shapes of docs/api.md for tasks, attempts, events and steps. */
final class TaskJson {
    private TaskJson() {
    }

    static ObjectNode row(TaskSummary t) {
        ObjectNode node = Json.object()
                .put("id", t.id()).put("name", t.name()).put("status", t.status().name()).put("retrying", t.retrying())
                .put("language", t.language()).put("parent_id", t.parentId()).put("root_id", t.rootId()).put("rerun_of", t.rerunOf())
                .put("created_at", Json.time(t.createdAt())).put("updated_at", Json.time(t.updatedAt())).put("run_at", Json.time(t.runAt()))
                .put("attempts", t.attempts()).put("max_retries", t.maxRetries())
                .put("error_type", t.errorType()).put("error_message", t.errorMessage());
        ObjectNode labels = node.putObject("labels");
        t.labels().forEach(labels::put);
        return node;
    }

    static ArrayNode rows(List<TaskSummary> tasks) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        tasks.forEach(t -> array.add(row(t)));
        return array;
    }

    static ObjectNode attempt(AttemptRow a, List<HostRequest> requests) {
        ObjectNode node = Json.object()
                .put("attempt_no", a.attemptNo()).put("node_id", a.nodeId()).put("status", a.status().name())
                .put("started_at", Json.time(a.startedAt())).put("finished_at", Json.time(a.finishedAt()))
                .put("duration_ms", a.durationMs()).put("fuel_consumed", a.fuelConsumed()).put("ram_used", a.ramUsed())
                .put("exit_code", a.exitCode()).put("error_type", a.errorType()).put("error_message", a.errorMessage())
                .put("error_detail", a.errorDetail());
        ArrayNode array = node.putArray("host_requests");
        for (HostRequest r : requests) {
            ObjectNode request = array.addObject().put("seq", r.seq()).put("at", Instant.ofEpochMilli(r.atEpochMs()).toString())
                    .put("method", r.method()).put("url", r.url());
            request.set("headers", r.headers() == null ? null : Json.MAPPER.valueToTree(r.headers()));
            request.put("status", r.status()).put("bytes_sent", r.bytesSent())
                    .put("bytes_received", r.bytesReceived()).put("duration_ms", r.durationMs()).put("error", r.error());
        }
        return node;
    }

    static ObjectNode event(EventRow e) {
        return Json.object().put("attempt_no", e.attemptNo()).put("at", Json.time(e.at()))
                .put("from", e.fromStatus() == null ? null : e.fromStatus().name()).put("to", e.toStatus().name()).put("reason", e.reason());
    }

    static ObjectNode step(StepRow s) {
        return Json.object().put("step_no", s.stepNo()).put("kind", s.kind()).put("target", s.target()).put("child_id", s.childId())
                .put("attempt_no", s.attemptNo()).put("at", Json.time(s.at())).put("duration_ms", s.durationMs())
                .put("replays", s.replays()).put("has_outcome", s.outcome() != null);
    }

    static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(json);
        }
    }

    static ObjectNode usage(Long limit, Long used) {
        return Json.object().put("limit", limit).put("used", used);
    }
}
