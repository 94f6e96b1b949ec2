package run.capsule.store;

import java.time.OffsetDateTime;

/**
 * One journaled step of a task (docs/steps.md). {@code attemptNo}: the attempt that made it live;
 * {@code replays}: how many later attempts were answered it from the journal, the last being {@code lastReplayedAttempt}.
 */
public record StepRow(String taskId, int stepNo, String kind, String target, String request, String outcome, String childId,
                      int attemptNo, OffsetDateTime at, long durationMs, int replays, Integer lastReplayedAttempt) {
}
