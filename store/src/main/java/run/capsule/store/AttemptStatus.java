package run.capsule.store;

public enum AttemptStatus {
    RUNNING, SUCCEEDED, FAILED, ABANDONED, CANCELLED, SUSPENDED
}
