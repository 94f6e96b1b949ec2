package run.capsule.engine;

import java.util.Locale;

/** The {@code error_type} values of the JSON envelope and the journal. */
public enum ErrorType {
    INVALID_INPUT, TASK_ERROR, TIMEOUT, FUEL_EXHAUSTED, MEMORY_LIMIT, NONDETERMINISM, RUNNER_CRASHED, LOST, CANCELLED, INTERNAL_ERROR, LIMIT_EXCEEDED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ErrorType fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /**
     * Whether another attempt could end differently. Bad input, cancellation, a task that diverged from its journal and
     * one past a per-task limit (children, nesting depth, journaled steps, write quota: another attempt stops at the same
     * point) never retry.
     */
    public boolean retryable() {
        return this != INVALID_INPUT && this != CANCELLED && this != NONDETERMINISM && this != LIMIT_EXCEEDED;
    }
}
