package run.capsule.engine.pool;

/** The runner process died or stopped answering while it held an attempt. */
public class RunnerCrashedException extends Exception {
    private final boolean killedForDeadline;

    public RunnerCrashedException(String message, boolean killedForDeadline) {
        super(message);
        this.killedForDeadline = killedForDeadline;
    }

    /** True when the engine killed the runner because the attempt ran past its hard deadline. */
    public boolean killedForDeadline() {
        return killedForDeadline;
    }
}
