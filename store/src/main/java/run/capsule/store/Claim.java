package run.capsule.store;

/**
 * A task this node now runs: its attempt {@code attemptNo} is RUNNING and belongs to the node. {@code task} is the task's
 * row as the claim left it (status RUNNING, the new attempt number, this node; {@code updated_at} as read before the
 * claim), so that the node need not read it back; null when the claim did not read the row.
 */
public record Claim(String taskId, int attemptNo, TaskRow task) {
    public Claim(String taskId, int attemptNo) {
        this(taskId, attemptNo, null);
    }
}
