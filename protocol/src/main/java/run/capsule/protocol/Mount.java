package run.capsule.protocol;

/** A host directory made visible to the guest at {@code guestPath}. */
public record Mount(String hostPath, String guestPath, boolean readOnly) {
}
