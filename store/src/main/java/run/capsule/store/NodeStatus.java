package run.capsule.store;

/**
 * A node's state in the {@code nodes} table: ALIVE (claims work), DRAINING (asked by {@code capsule drain} to stop
 * claiming and finish), STOPPED (closed), LOST (its lease lapsed and another node recovered its attempts).
 */
public enum NodeStatus {
    ALIVE, DRAINING, STOPPED, LOST;

    /** Whether the node may still hold running attempts, so a lapsed heartbeat makes it lost. */
    public boolean isLive() {
        return this == ALIVE || this == DRAINING;
    }
}
