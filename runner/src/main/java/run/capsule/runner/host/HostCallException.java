package run.capsule.runner.host;

/** A host call that cannot be served; becomes {@code {"error": {"type": type, "message": message}}} for the guest. */
public final class HostCallException extends Exception {
    private final String type;

    public HostCallException(String type, String message) {
        super(message, null, false, false);
        this.type = type;
    }

    public String type() {
        return type;
    }
}
