package run.capsule.store;

import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * One row of {@code nodes}, with the age of its last heartbeat measured on the database clock ({@code capsule nodes}).
 * {@code host}, {@code pid} and {@code version} are null for nodes registered before schema version 14.
 */
public record NodeRow(String id, NodeStatus status, String host, Long pid, String version, int runners, int runnersBusy,
                      OffsetDateTime startedAt, OffsetDateTime heartbeatAt, Duration heartbeatAge, OffsetDateTime stoppedAt,
                      OffsetDateTime drainRequestedAt) {
}
