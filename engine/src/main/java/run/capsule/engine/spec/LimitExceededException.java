package run.capsule.engine.spec;

/** A task asked for more than a per-task limit of its job allows (children, nesting depth): error type {@code limit_exceeded}. */
public final class LimitExceededException extends RuntimeException {
    public LimitExceededException(String message) {
        super(message);
    }
}
