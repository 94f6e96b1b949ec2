package run.capsule.engine.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.AttemptEnd;
import run.capsule.store.AttemptOutcome;
import run.capsule.store.AttemptRow;
import run.capsule.store.Claim;
import run.capsule.store.Journal;
import run.capsule.store.StaleTransitionException;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * Journals how an attempt ended, through a database outage: the fenced write (in a group commit) is retried until the journal is back
 * (never reported as done when it was not committed). A retry refused as stale after a try whose commit may have
 * gone through before the connection broke is told apart by reading the attempt back: if it holds this outcome, the
 * earlier try committed it.
 */
final class OutcomeWrite {
    private static final Logger log = LoggerFactory.getLogger(OutcomeWrite.class);
    private final Journal journal;
    private final JournalOutage outage;
    private final GroupCommit ends;

    OutcomeWrite(Journal journal, JournalOutage outage, GroupCommit ends) {
        this.journal = journal;
        this.outage = outage;
        this.ends = ends;
    }

    /** The task's status after the write, or null when it was fenced off (the attempt was no longer current). */
    TaskStatus write(Claim claim, AttemptOutcome outcome, OffsetDateTime retryAt, String reason) throws InterruptedException {
        for (int failures = 0; ; failures++) {
            try {
                TaskStatus status = ends.finish(new AttemptEnd(claim.taskId(), claim.attemptNo(), outcome, retryAt, reason));
                outage.reached();
                return status;
            } catch (StaleTransitionException e) {
                if (failures > 0) {
                    Optional<TaskStatus> committed = outage.untilReachable(() -> committedEarlier(claim, outcome));
                    if (committed.isPresent()) {
                        return committed.get();
                    }
                }
                log.warn("result of attempt {} of task {} discarded: {}", claim.attemptNo(), claim.taskId(), e.getMessage());
                return null;
            } catch (RuntimeException e) {
                if (!JournalOutage.isConnectionLoss(e)) {
                    throw e;
                }
                outage.failed(e);
                Thread.sleep(JournalOutage.backoff(failures).toMillis());
            }
        }
    }

    private Optional<TaskStatus> committedEarlier(Claim claim, AttemptOutcome outcome) {
        Optional<TaskRow> task = journal.tasks().find(claim.taskId());
        if (task.isEmpty() || task.get().attempts() != claim.attemptNo() || task.get().status() == TaskStatus.RUNNING) {
            return Optional.empty();
        }
        boolean ours = journal.tasks().attempts(claim.taskId()).stream()
                .anyMatch(a -> a.attemptNo() == claim.attemptNo() && a.status() == outcome.status());
        return ours ? Optional.of(task.get().status()) : Optional.empty();
    }
}
