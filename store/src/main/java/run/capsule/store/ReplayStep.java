package run.capsule.store;

/**
 * A journaled step as a replay gets it ({@link StepJournal#forReplay}): whole, or {@code held} (target, request,
 * outcome and child id null) when it is too large to travel with the attempt. {@code bytes}: its target, request
 * and outcome as UTF-8.
 */
public record ReplayStep(int stepNo, String kind, String target, String request, String outcome, String childId, long durationMs,
                         long bytes, boolean held) {
    static ReplayStep held(int stepNo, String kind, long bytes) {
        return new ReplayStep(stepNo, kind, null, null, null, null, 0, bytes, true);
    }
}
