package run.capsule.engine.spec;

import java.time.Instant;

/** How a task is queued: when it becomes due (null: at once) and an optional idempotency key. */
public record SubmitOptions(Instant runAt, String idempotencyKey) {
    public static final SubmitOptions NOW = new SubmitOptions(null, null);

    public SubmitOptions {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 200)) {
            throw new InvalidInputException("idempotency key must be 1-200 characters");
        }
    }

    public SubmitOptions withRunAt(Instant at) {
        return new SubmitOptions(at, idempotencyKey);
    }

    public SubmitOptions withIdempotencyKey(String key) {
        return new SubmitOptions(runAt, key);
    }
}
