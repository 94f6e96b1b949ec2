package run.capsule.protocol;

import java.util.Locale;

/**
 * Every error type Capsule writes, as its lower-case wire name. Two families share the one enum:
 * <ul>
 *   <li><b>outcomes</b> of a task or attempt: the {@code error_type} of the JSON envelope and of the journal
 *       ({@code tasks.error_type}, {@code attempts.error_type}); see {@link #isOutcome()};</li>
 *   <li><b>host-call replies</b>: the {@code type} of {@code {"error": {"type": ..., "message": ...}}} that a guest's
 *       host call (docs/host-api.md) or an engine call (docs/protocol.md) is answered with;</li>
 *   <li><b>HTTP API replies</b>: the {@code error_type} of the service's JSON errors (docs/api.md).</li>
 * </ul>
 * A few names belong to both ({@code timeout}, {@code cancelled}, {@code limit_exceeded}, {@code internal_error}).
 */
public enum ErrorType {
    // outcomes (and some host-call replies)
    INVALID_INPUT, TASK_ERROR, TIMEOUT, FUEL_EXHAUSTED, MEMORY_LIMIT, NONDETERMINISM, RUNNER_CRASHED, LOST, CANCELLED,
    INTERNAL_ERROR, LIMIT_EXCEEDED,
    /** An attempt that stopped to be resumed later (waiting on its children); the task is not failed. */
    SUSPENDED,
    // host-call replies only
    BAD_REQUEST, UNKNOWN_OP, UNKNOWN_TASK, UNSUPPORTED, NOT_ALLOWED, NOT_FOUND, IS_A_DIRECTORY, NOT_A_DIRECTORY, IO_ERROR,
    TOO_LARGE, TOO_MANY_REDIRECTS, NETWORK_ERROR, ADDRESS_REFUSED, READ_ONLY, ALREADY_EXISTS, NOT_EMPTY, CROSS_GRANT,
    /** Engine to runner only: the attempt should stop and be resumed later (docs/protocol.md). */
    SUSPEND,
    // HTTP API replies only (docs/api.md); INVALID_INPUT, NOT_FOUND, TOO_LARGE and INTERNAL_ERROR serve there too
    UNAUTHORIZED, FORBIDDEN, METHOD_NOT_ALLOWED, CONFLICT, UNAVAILABLE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type of a wire name; IllegalArgumentException for a name that is not one. */
    public static ErrorType fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Whether this type can end a task or an attempt (the envelope's and the journal's {@code error_type}). */
    public boolean isOutcome() {
        return ordinal() <= SUSPENDED.ordinal();
    }

    /**
     * Whether another attempt could end differently. Bad input, cancellation, a task that diverged from its journal and
     * one past a per-task limit (children, nesting depth, journaled steps, write quota: another attempt stops at the same
     * point) never retry.
     */
    public boolean retryable() {
        return this != INVALID_INPUT && this != CANCELLED && this != NONDETERMINISM && this != LIMIT_EXCEEDED;
    }

    /** Whether {@code wireName} names this type. */
    public boolean is(String wireName) {
        return wireName().equals(wireName);
    }
}
