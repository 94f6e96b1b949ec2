package run.capsule.service.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.service.http.Json;
import run.capsule.store.FeedEvent;

/** One transition of the live stream as JSON (the SSE {@code data}, docs/api.md). */
public final class Transitions {
    private Transitions() {
    }

    public static ObjectNode json(FeedEvent e) {
        return Json.object().put("id", e.id()).put("task_id", e.taskId()).put("name", e.name()).put("parent_id", e.parentId())
                .put("root_id", e.rootId()).put("attempt_no", e.attemptNo()).put("at", Json.time(e.at()))
                .put("from", e.fromStatus() == null ? null : e.fromStatus().name()).put("to", e.toStatus().name()).put("reason", e.reason());
    }
}
