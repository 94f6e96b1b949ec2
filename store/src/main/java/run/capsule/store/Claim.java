package run.capsule.store;

/** A task this node now runs: its attempt {@code attemptNo} is RUNNING and belongs to the node. */
public record Claim(String taskId, int attemptNo) {
}
