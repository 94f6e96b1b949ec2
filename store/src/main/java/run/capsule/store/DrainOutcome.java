package run.capsule.store;

/** What asking a node to drain did. */
public enum DrainOutcome {
    /** The node is now DRAINING; it sees it on its next heartbeat. */
    REQUESTED,
    /** It was already DRAINING. */
    ALREADY_DRAINING,
    /** It is STOPPED or LOST: nothing to drain. */
    NOT_RUNNING,
    NOT_FOUND
}
