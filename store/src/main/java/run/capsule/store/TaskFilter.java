package run.capsule.store;

import java.time.OffsetDateTime;
import java.util.Map;

/**
 * Which tasks a page lists (every field null or false: all). {@code status} is a {@link TaskStatus} name or
 * {@link #RETRYING}; {@code labels} maps a label name to the value it must have, or to null when any value will do;
 * {@code query} is an id prefix or an exact name; {@code after} the cursor of the previous page.
 */
public record TaskFilter(String status, String name, String language, Map<String, String> labels, String parentId, boolean rootsOnly,
                         OffsetDateTime since, OffsetDateTime until, String query, int limit, PageCursor after) {
    /** RETRY_WAIT after a failed (or lost) attempt, as opposed to a durable sleep or a wait for children. */
    public static final String RETRYING = "RETRYING";

    public TaskFilter {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** Where a page ended: the (created_at, id) of its last task. */
    public record PageCursor(OffsetDateTime createdAt, String id) {
    }
}
