package run.capsule.engine.execution;

import run.capsule.store.Claim;

import java.util.List;

/**
 * Who takes the due tasks a group commit claims in the transaction that writes attempt ends (a node's worker): the
 * runner an attempt frees gets its next task with no commit of its own.
 */
public interface NextClaims {
    String nodeId();

    /** How many due tasks to claim now, while {@code ending} attempt ends are written (0: none). */
    int wanted(int ending);

    /** The claims, committed; called before the callers of the ends written with them are answered. */
    void claimed(List<Claim> claims);
}
