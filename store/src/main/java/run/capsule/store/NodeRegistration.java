package run.capsule.store;

/** What a node says of itself when it registers: shown by {@code capsule nodes}. */
public record NodeRegistration(String nodeId, int runners, String host, long pid, String version) {
    /** A node with only an id and its runner count (host, pid and version unknown). */
    public static NodeRegistration of(String nodeId, int runners) {
        return new NodeRegistration(nodeId, runners, null, 0, null);
    }
}
