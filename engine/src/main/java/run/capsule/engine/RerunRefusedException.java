package run.capsule.engine;

/** A task that cannot be run again as it is (a child task, or one whose environment values are no longer kept). */
public class RerunRefusedException extends RuntimeException {
    public RerunRefusedException(String message) {
        super(message);
    }
}
