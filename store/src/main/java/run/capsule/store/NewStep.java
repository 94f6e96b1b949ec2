package run.capsule.store;

/** A step made live by an attempt, about to be journaled (docs/steps.md). */
public record NewStep(int stepNo, String kind, String target, String request, String outcome, String childId, long durationMs) {
}
