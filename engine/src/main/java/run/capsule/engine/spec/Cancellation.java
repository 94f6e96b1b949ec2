package run.capsule.engine.spec;

import run.capsule.store.CancelOutcome;

import java.util.List;

/**
 * What a cancellation did: {@code outcome} for the task itself, and the ids of its unfinished descendants that were
 * cancelled or asked to stop, parents before their children.
 */
public record Cancellation(CancelOutcome outcome, List<String> children) {
}
