package run.capsule.store;

import java.time.OffsetDateTime;

public record EventRow(String taskId, Integer attemptNo, OffsetDateTime at, TaskStatus fromStatus, TaskStatus toStatus, String reason) {
}
