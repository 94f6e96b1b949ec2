package run.capsule.store;

import java.util.Objects;

/** A task about to be journaled. {@code configJson} is the task's full configuration as JSON text. */
public record NewTask(String id, String name, String parentId, String moduleSha256, int maxRetries, String configJson) {
    public NewTask {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(moduleSha256, "moduleSha256");
        Objects.requireNonNull(configJson, "configJson");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative");
        }
    }
}
