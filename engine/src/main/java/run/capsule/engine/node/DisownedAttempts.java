package run.capsule.engine.node;

import run.capsule.engine.execution.ActiveAttempts;
import run.capsule.store.Claim;
import run.capsule.store.Journal;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A node that was declared lost (paused past its lease) finds which of the attempts it still runs are no longer its
 * own in the journal (recovered and claimed by another node, or abandoned) and kills their runners. Attempts the journal
 * still gives it (claimed after the recovery) go on. Their results would be refused anyway (fenced writes); stopping
 * them frees the runners and ends side effects that nobody will journal.
 */
final class DisownedAttempts {
    private DisownedAttempts() {
    }

    /** Stops this node's attempts the journal no longer gives it; returns how many. */
    static int stop(Journal journal, String nodeId, ActiveAttempts active) {
        Map<String, Integer> running = active.snapshot();
        if (running.isEmpty()) {
            return 0;
        }
        Set<Claim> owned = new HashSet<>(journal.tasks().runningClaims(nodeId));
        int stopped = 0;
        for (Map.Entry<String, Integer> attempt : running.entrySet()) {
            if (!owned.contains(new Claim(attempt.getKey(), attempt.getValue()))) {
                active.stop(attempt.getKey(), attempt.getValue());
                stopped++;
            }
        }
        return stopped;
    }
}
