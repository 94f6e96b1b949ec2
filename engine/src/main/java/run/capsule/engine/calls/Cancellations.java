package run.capsule.engine.calls;

import run.capsule.engine.spec.Cancellation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.CancelOutcome;
import run.capsule.store.Journal;
import run.capsule.store.StaleTransitionException;

import java.util.ArrayList;
import java.util.List;
import run.capsule.engine.Capsule;
import run.capsule.engine.execution.ActiveAttempts;
import run.capsule.engine.execution.AttemptExecutor;
import run.capsule.engine.spec.TaskSpec;

/**
 * Cancelling tasks and their trees: a pending task is CANCELLED at once, a running one is asked to stop (and stopped
 * at once when this node runs it); descendants are cancelled parent first, so a waiting parent stops before its children.
 */
public final class Cancellations {
    private static final Logger log = LoggerFactory.getLogger(Cancellations.class);
    private final Journal journal;
    private final ActiveAttempts active;

    public Cancellations(Journal journal, ActiveAttempts active) {
        this.journal = journal;
        this.active = active;
    }

    /** The task, then its unfinished descendants, even when the task itself had already ended. */
    public Cancellation cancelTree(String taskId) {
        CancelOutcome outcome = cancelOne(taskId);
        if (outcome == CancelOutcome.NOT_FOUND) {
            return new Cancellation(outcome, List.of());
        }
        return new Cancellation(outcome, cancelDescendants(taskId));
    }

    /**
     * A Python or JavaScript task that has ended leaves no child task behind: its unfinished descendants are cancelled,
     * as by {@link #cancelTree}. A task that will be retried or resumed keeps them, for its replay to adopt.
     */
    public void cancelOrphans(String taskId, TaskSpec spec, AttemptExecutor.Finished finished) {
        // a null status: the attempt's outcome was discarded (no longer current), so this node decides nothing
        if (spec.program() == null || finished.status() == null || !finished.status().isFinal()) {
            return;
        }
        if (spec.program().tasks().size() < 2 && spec.program().tasks().containsKey(spec.program().task())) {
            return; // a source declaring only this task cannot have started a child
        }
        try {
            cancelDescendants(taskId);
        } catch (RuntimeException e) {
            log.warn("cannot cancel the unfinished child tasks of {}: {}", taskId, e.getMessage());
        }
    }

    /** Cancels the unfinished descendants of a task, parents first; returns those cancelled or asked to stop. */
    private List<String> cancelDescendants(String taskId) {
        List<String> cancelled = new ArrayList<>();
        for (String id : journal.tasks().unfinishedDescendants(taskId)) {
            CancelOutcome child;
            try {
                child = cancelOne(id);
            } catch (StaleTransitionException e) {
                continue; // it ended meanwhile
            }
            if (child == CancelOutcome.CANCELLED || child == CancelOutcome.REQUESTED) {
                cancelled.add(id);
            }
        }
        return List.copyOf(cancelled);
    }

    CancelOutcome cancelOne(String taskId) {
        CancelOutcome outcome = journal.tasks().requestCancel(taskId);
        if (outcome == CancelOutcome.REQUESTED) {
            active.stop(taskId);
        }
        return outcome;
    }
}
