package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;

/** A host call that cannot be served; becomes {@code {"error": {"type": type, "message": message}}} for the guest. */
public final class HostCallException extends Exception {
    private final ErrorType type;

    public HostCallException(ErrorType type, String message) {
        super(message, null, false, false);
        this.type = type;
    }

    public ErrorType type() {
        return type;
    }
}
