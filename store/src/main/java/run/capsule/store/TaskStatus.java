package run.capsule.store;

public enum TaskStatus {
    PENDING, RUNNING, RETRY_WAIT, SUCCEEDED, FAILED, CANCELLED;

    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
