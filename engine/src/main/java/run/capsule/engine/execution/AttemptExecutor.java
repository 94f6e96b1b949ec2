package run.capsule.engine.execution;

import run.capsule.protocol.ErrorType;
import run.capsule.engine.pool.RunnerProcess;
import run.capsule.protocol.Durability;
import run.capsule.protocol.StepRecord;
import run.capsule.store.AttemptEnd;
import run.capsule.store.AttemptOutcome;
import run.capsule.store.AttemptStatus;
import run.capsule.store.Claim;
import run.capsule.store.Journal;
import run.capsule.store.TaskStatus;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import run.capsule.engine.spec.StepLimits;
import run.capsule.engine.spec.TaskListener;
import run.capsule.engine.spec.TaskSpec;

/**
 * Runs a claimed attempt and journals how it ended: success, failure, a retry scheduled per the task's
 * policy, or cancellation. The final write is fenced: a node that lost its claim meanwhile changes nothing.
 */
public final class AttemptExecutor implements AutoCloseable {
    private final Journal journal;
    private final AttemptRunner runner;
    private final ActiveAttempts active;
    private final GroupCommit ends;
    private final FinishNotices notices;

    private volatile AttemptCalls children;
    private final boolean journalSteps;
    private final Duration suspendAfter;
    private final StepLimits stepLimits;
    private final JournalOutage outage = new JournalOutage("attempt results");
    private final OutcomeWrite outcomes;

    public AttemptExecutor(Journal journal, AttemptRunner runner, ActiveAttempts active) {
        this(journal, runner, active, true, Duration.ofSeconds(30), StepLimits.DEFAULTS, new FinishNotices());
    }

    public AttemptExecutor(Journal journal, AttemptRunner runner, ActiveAttempts active, boolean journalSteps, Duration suspendAfter,
                    StepLimits stepLimits, FinishNotices notices) {
        this.notices = notices;
        this.journalSteps = journalSteps;
        this.suspendAfter = suspendAfter;
        this.stepLimits = stepLimits;
        this.journal = journal;
        this.runner = runner;
        this.active = active;
        this.ends = new GroupCommit(journal.tasks());
        this.outcomes = new OutcomeWrite(journal, outage, ends);
    }

    public void serveChildren(AttemptCalls children) {
        this.children = children;
    }

    /** How an attempt ended; {@code status} null when the write was fenced off (the attempt was no longer current). */
    public record Finished(AttemptOutcome outcome, TaskStatus status, OffsetDateTime retryAt) {
    }

    public Finished execute(Claim claim, TaskSpec spec, String moduleSha256, Path moduleFile, TaskListener listener) throws InterruptedException {
        String taskId = claim.taskId();
        int attemptNo = claim.attemptNo();
        active.started(claim);
        AttemptOutcome outcome;
        Long resumeAt;
        try {
            AttemptCalls served = children;
            AttemptRunner.Ran ran = runner.run(taskId, attemptNo, spec, moduleSha256, moduleFile, listener, r -> active.dispatched(taskId, r),
                    JournaledStepCalls.around(served == null ? RunnerProcess.CallHandler.NONE
                            : served.forAttempt(taskId, attemptNo, spec), journal, taskId),
                    durability(taskId, spec));
            outcome = ran.outcome();
            resumeAt = ran.resumeAtEpochMs();
            if (outcome.status() != AttemptStatus.SUCCEEDED
                    && (active.isStopping(taskId) || outage.untilReachable(() -> journal.tasks().isCancelRequested(taskId)))) {
                outcome = outcome.withStatus(AttemptStatus.CANCELLED, ErrorType.CANCELLED.wireName(), "cancelled by request");
                resumeAt = null;
            }
        } finally {
            active.finished(taskId);
        }
        return finish(claim, spec, outcome, resumeAt, listener);
    }

    /**
     * The journaled steps a Python or JavaScript task replays, and the node's journaling settings and step caps. Large
     * steps are held back, to be fetched one at a time ({@link JournaledStepCalls}): the {@code run} frame stays small.
     */
    private Durability durability(String taskId, TaskSpec spec) {
        if (spec.program() == null) {
            return Durability.NONE;
        }
        List<StepRecord> steps = journal.steps().forReplay(taskId, stepLimits.inlineStepBytes(), stepLimits.inlineBudgetBytes(),
                        StepLimits.STEP_OVERHEAD_BYTES).stream()
                .map(s -> s.held() ? StepRecord.held(s.stepNo(), s.kind(), s.bytes())
                        : new StepRecord(s.stepNo(), s.kind(), s.target(), s.request(), s.outcome(), s.childId(), s.durationMs()))
                .toList();
        return new Durability(steps, journalSteps, suspendAfter.toMillis(), spec.program().stepFormat(), stepLimits.maxSteps(),
                stepLimits.maxStepBytes());
    }

    /** Journals the end of an attempt that could not even be dispatched (unreadable configuration, missing module). */
    public Finished fail(Claim claim, ErrorType type, String message) throws InterruptedException {
        AttemptOutcome outcome = AttemptOutcome.failed(0, null, null, null, type.wireName(), message);
        return record(claim, outcome, null, "failed: " + type.wireName() + ": " + message);
    }

    private Finished finish(Claim claim, TaskSpec spec, AttemptOutcome outcome, Long resumeAt, TaskListener listener)
            throws InterruptedException {
        OffsetDateTime retryAt = null;
        Duration delay = Duration.ZERO;
        String reason;
        if (outcome.status() == AttemptStatus.SUCCEEDED) {
            reason = "succeeded";
        } else if (outcome.status() == AttemptStatus.SUSPENDED) {
            retryAt = Instant.ofEpochMilli(resumeAt).atOffset(ZoneOffset.UTC);
            delay = Duration.between(outage.untilReachable(journal.nodes()::databaseNow), retryAt);
            reason = "suspended: " + outcome.errorMessage();
        } else if (outcome.status() == AttemptStatus.CANCELLED) {
            reason = "cancelled: attempt stopped";
        } else {
            int failures = outage.untilReachable(() -> journal.tasks().failedAttempts(claim.taskId())) + 1;
            ErrorType type = ErrorType.fromWire(outcome.errorType());
            if (spec.retryPolicy().retries(type, failures)) {
                delay = spec.retryPolicy().delayBefore(failures);
                retryAt = outage.untilReachable(journal.nodes()::databaseNow).plus(delay);
                reason = "failed: " + outcome.errorType() + ": " + outcome.errorMessage() + "; retry " + failures + " of "
                        + spec.retryPolicy().maxRetries() + " scheduled at " + retryAt.toInstant();
            } else {
                reason = "failed: " + outcome.errorType() + ": " + outcome.errorMessage();
            }
        }
        Finished finished = record(claim, outcome, retryAt, reason);
        AttemptCalls served = children;
        if (served != null) {
            served.taskEnded(claim.taskId(), finished.status());
        }
        listener.attemptFinished(claim.taskId(), claim.attemptNo(), outcome.status().name(), outcome.errorType(), outcome.errorMessage(),
                outcome.durationMs());
        if (retryAt != null && finished.status() != null) {
            listener.retryScheduled(claim.taskId(), claim.attemptNo() + 1, delay.toMillis());
        }
        return finished;
    }

    private Finished record(Claim claim, AttemptOutcome outcome, OffsetDateTime retryAt, String reason) throws InterruptedException {
        TaskStatus status = outcomes.write(claim, outcome, retryAt, reason);
        if (status == null) {
            return new Finished(outcome, null, null);
        }
        if (status.isFinal()) {
            notices.ended(claim.taskId());
        }
        return new Finished(outcome, status, retryAt);
    }

    /** Has the group commit claim due tasks for {@code claims} with the ends it writes. */
    public void claimWithEnds(NextClaims claims) {
        ends.claimNextWith(claims);
    }

    /** Stops claiming for {@code claims} (its worker closes). */
    public void stopClaimingWithEnds(NextClaims claims) {
        ends.stopClaimingFor(claims);
    }

    /** Writes the attempt ends still queued for the group commit; later ones are written one transaction each. */
    @Override
    public void close() {
        ends.close();
    }
}
