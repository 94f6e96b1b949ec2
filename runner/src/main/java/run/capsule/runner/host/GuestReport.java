package run.capsule.runner.host;

import com.fasterxml.jackson.databind.JsonNode;
import run.capsule.protocol.Durability;

/**
 * What a Python or JavaScript guest reported through the {@code result} op during one attempt: the JSON value its
 * task returned, or the exception it raised. One per attempt; the last report wins.
 */
public final class GuestReport {
    private volatile String valueJson;
    private volatile boolean hasValue;
    private volatile String errorType;
    private volatile String errorMessage;
    private volatile String traceback;
    private volatile boolean begun;
    private volatile Runnable onBegin = () -> { };
    private final StepLog steps;
    private final WriteQuota writeQuota;

    public GuestReport() {
        this(Durability.NONE);
    }

    /** A report for an attempt of a journaled task: its steps count from the guest library's {@code begin}. */
    public GuestReport(Durability durability) {
        this(durability, new WriteQuota(WriteQuota.DEFAULT_BYTES));
    }

    public GuestReport(Durability durability, WriteQuota writeQuota) {
        this.steps = new StepLog(durability, () -> begun);
        this.writeQuota = writeQuota;
    }

    /** The attempt's quota of bytes written to its read-write grants, shared by WASI and {@code file.write}. */
    public WriteQuota writeQuota() {
        return writeQuota;
    }

    /** The attempt's steps (docs/steps.md). */
    public StepLog steps() {
        return steps;
    }

    /** Runs once, when the guest library first says {@code begin}: the task's own code starts. */
    public void onBegin(Runnable hook) {
        this.onBegin = hook;
    }

    void begin() {
        if (!begun) {
            begun = true;
            onBegin.run();
        }
    }

    void value(JsonNode value) {
        this.valueJson = value == null || value.isMissingNode() ? "null" : value.toString();
        this.hasValue = true;
        this.errorType = null;
    }

    void error(String type, String message, String traceback) {
        this.errorType = type;
        this.errorMessage = message;
        this.traceback = traceback;
        this.hasValue = false;
        this.valueJson = null;
    }

    public boolean hasValue() {
        return hasValue;
    }

    /** The reported value as JSON text, or null when none was reported. */
    public String valueJson() {
        return valueJson;
    }

    public boolean hasError() {
        return errorType != null;
    }

    /** The guest's exception as one line, {@code Type: message}. */
    public String errorSummary() {
        if (errorType == null) {
            return null;
        }
        return errorMessage == null || errorMessage.isBlank() ? errorType : errorType + ": " + errorMessage;
    }

    public String traceback() {
        return traceback;
    }
}
