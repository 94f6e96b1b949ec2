package run.capsule.store;

import java.time.OffsetDateTime;
import java.util.Map;

/**
 * A task as lists show it: its row without config or result, with its language, tree root, the task it reruns, its
 * labels, and whether a RETRY_WAIT is a retry after a failure ({@code retrying}).
 */
public record TaskSummary(String id, String name, TaskStatus status, boolean retrying, String language, String parentId, String rootId,
                          String rerunOf, OffsetDateTime createdAt, OffsetDateTime updatedAt, OffsetDateTime runAt, int attempts,
                          int maxRetries, String errorType, String errorMessage, Map<String, String> labels) {
}
