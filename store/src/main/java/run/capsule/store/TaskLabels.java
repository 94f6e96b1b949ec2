package run.capsule.store;

import org.jooq.DSLContext;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import static run.capsule.store.jooq.Tables.TASK_LABELS;

/** The labels of tasks ({@code task_labels}): written with the task, read for pages of tasks. */
final class TaskLabels {
    private TaskLabels() {
    }

    static void insert(DSLContext tx, String taskId, Map<String, String> labels) {
        for (Map.Entry<String, String> label : new TreeMap<>(labels).entrySet()) {
            tx.insertInto(TASK_LABELS).set(TASK_LABELS.TASK_ID, taskId).set(TASK_LABELS.NAME, label.getKey())
                    .set(TASK_LABELS.LABEL_VALUE, label.getValue()).execute();
        }
    }

    /** The labels of each of {@code taskIds} that has any, sorted by name. */
    static Map<String, Map<String, String>> of(DSLContext dsl, Collection<String> taskIds) {
        Map<String, Map<String, String>> labels = new HashMap<>();
        if (taskIds.isEmpty()) {
            return labels;
        }
        dsl.selectFrom(TASK_LABELS).where(TASK_LABELS.TASK_ID.in(taskIds)).fetch()
                .forEach(r -> labels.computeIfAbsent(r.getTaskId(), id -> new TreeMap<>()).put(r.getName(), r.getLabelValue()));
        return labels;
    }
}
