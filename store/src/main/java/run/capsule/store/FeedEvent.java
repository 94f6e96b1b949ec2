package run.capsule.store;

import java.time.OffsetDateTime;

/** A row of {@code task_events} with what a live view needs of its task: name, parent and tree root. */
public record FeedEvent(long id, String taskId, String name, String parentId, String rootId, Integer attemptNo, OffsetDateTime at,
                        TaskStatus fromStatus, TaskStatus toStatus, String reason) {
}
