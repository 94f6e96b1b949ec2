package run.capsule.store;

/** The guest's stdout and stderr of one attempt as kept in {@code attempt_output}, each cut at the task's output cap. */
public record AttemptOutput(String stdout, boolean stdoutTruncated, String stderr, boolean stderrTruncated) {
    public boolean isEmpty() {
        return (stdout == null || stdout.isEmpty()) && (stderr == null || stderr.isEmpty()) && !stdoutTruncated && !stderrTruncated;
    }
}
