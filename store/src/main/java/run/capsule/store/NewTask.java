package run.capsule.store;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Objects;

/**
 * A task about to be journaled. {@code configJson} is the task's full configuration as JSON text;
 * {@code envJson} holds the values of granted environment variables (kept in {@code task_secrets});
 * {@code runAt} null means due at once; {@code idempotencyKey} null means none. {@code labels} are kept in
 * {@code task_labels}; {@code rerunOf} is the task this one runs again (null for none).
 */
public record NewTask(String id, String name, String parentId, String moduleSha256, int maxRetries, String configJson,
                      String envJson, OffsetDateTime runAt, String idempotencyKey, Map<String, String> labels, String rerunOf) {
    public NewTask {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(moduleSha256, "moduleSha256");
        Objects.requireNonNull(configJson, "configJson");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative");
        }
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 200)) {
            throw new IllegalArgumentException("idempotency key must be 1-200 characters");
        }
    }

    public NewTask(String id, String name, String parentId, String moduleSha256, int maxRetries, String configJson,
                   String envJson, OffsetDateTime runAt, String idempotencyKey) {
        this(id, name, parentId, moduleSha256, maxRetries, configJson, envJson, runAt, idempotencyKey, Map.of(), null);
    }

    public NewTask(String id, String name, String parentId, String moduleSha256, int maxRetries, String configJson) {
        this(id, name, parentId, moduleSha256, maxRetries, configJson, null, null, null);
    }

    /** This task with labels and the task it runs again. */
    public NewTask withLabels(Map<String, String> newLabels, String original) {
        return new NewTask(id, name, parentId, moduleSha256, maxRetries, configJson, envJson, runAt, idempotencyKey, newLabels, original);
    }
}
