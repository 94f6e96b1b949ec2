package run.capsule.store;

import java.time.OffsetDateTime;

/** How an attempt ended, to be journaled: its outcome, the time of its retry or resume (null: none) and the event's reason. */
public record AttemptEnd(String taskId, int attemptNo, AttemptOutcome outcome, OffsetDateTime retryAt, String reason) {
}
