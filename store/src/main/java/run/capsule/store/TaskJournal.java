package run.capsule.store;

import java.time.ZoneOffset;
import java.time.Instant;
import run.capsule.protocol.HostRequest;
import run.capsule.protocol.StepRecord;
import run.capsule.protocol.ErrorType;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.jooq.impl.DSL;
import run.capsule.store.jooq.tables.records.TasksRecord;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.HOST_REQUESTS;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_SECRETS;

/**
 * Tasks, attempts and their status changes. Every status change and its {@code task_events} row are
 * written in one transaction; a change whose precondition no longer holds is refused with
 * {@link StaleTransitionException} and writes nothing.
 */
public final class TaskJournal extends TaskQueries {
    /**
     * One batch claim at a time in this process: the worker's own claim and the group commit's claim would otherwise read
     * the same candidates (H2 reads them without locks), and both pass the re-read of {@link BatchClaim} as this node's.
     */
    private final ReentrantLock claiming = new ReentrantLock();

    TaskJournal(DSLContext dsl) {
        super(dsl);
    }

    /**
     * Journals a new PENDING task together with its module bytes, in one transaction, and returns its id. With
     * an idempotency key already used, nothing is created and the first task's id is returned. Two tasks of
     * the same new module may race to insert it; the loser retries and then finds it there. A prune may delete the
     * module between its check and the task's insert; the retry stores it again.
     */
    public String create(NewTask task, byte[] moduleBytes) {
        return retryingCreate(() -> {
            if (task.idempotencyKey() != null) {
                Optional<String> existing = findByIdempotencyKey(task.idempotencyKey());
                if (existing.isPresent()) {
                    return existing.get();
                }
            }
            createOnce(task, moduleBytes);
            return task.id();
        });
    }

    /**
     * Runs a create again, at most three times in all, after an integrity violation: its module inserted by another
     * task or deleted by a prune between the create's check and its insert (the next try stores it), or its
     * idempotency key taken meanwhile (the next try returns that task).
     */
    private static <T> T retryingCreate(Supplier<T> create) {
        for (int attempt = 1; ; attempt++) {
            try {
                return create.get();
            } catch (IntegrityConstraintViolationException e) {
                if (attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * Journals new PENDING tasks in one transaction (one commit for all; multi-row inserts): {@code modules} holds the
     * bytes of each digest they name. No task may carry an idempotency key. Nothing is journaled when any insert fails.
     */
    public void createAll(List<NewTask> tasks, Map<String, byte[]> modules) {
        BatchSubmit.create(dsl, tasks, modules);
    }

    /**
     * Journals a child task and, in the same transaction, its parent's steps up to and including the step that started
     * it (docs/steps.md). A step already journaled is left as it is. Refused with {@link StaleTransitionException}
     * (nothing written) when {@code parentAttemptNo} is no longer the parent's current attempt.
     */
    public void createChild(NewTask child, byte[] moduleBytes, int parentAttemptNo, List<StepRecord> parentSteps) {
        retryingCreate(() -> {
            createOnce(child, moduleBytes, tx -> {
                AttemptFence.require(tx, child.parentId(), parentAttemptNo);
                StepJournal.insert(tx, child.parentId(), parentAttemptNo, parentSteps);
            });
            return null;
        });
    }

    private void createOnce(NewTask task, byte[] moduleBytes) {
        createOnce(task, moduleBytes, tx -> {
            if (task.runAt() == null) {
                QueueSignals.queued(tx);
            }
        });
    }

    private void createOnce(NewTask task, byte[] moduleBytes, Consumer<DSLContext> alsoWrite) {
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            ModuleStore.put(tx, task.moduleSha256(), moduleBytes);
            tx.insertInto(TASKS)
                    .set(TASKS.ID, task.id())
                    .set(TASKS.NAME, task.name())
                    .set(TASKS.STATUS, TaskStatus.PENDING.name())
                    .set(TASKS.PARENT_ID, task.parentId())
                    .set(TASKS.MODULE_SHA256, task.moduleSha256())
                    .set(TASKS.CREATED_AT, DSL.currentOffsetDateTime())
                    .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .set(TASKS.RUN_AT, task.runAt() == null ? DSL.currentOffsetDateTime() : DSL.val(task.runAt()))
                    .set(TASKS.ATTEMPTS, 0)
                    .set(TASKS.MAX_RETRIES, task.maxRetries())
                    .set(TASKS.CONFIG, task.configJson())
                    .set(TASKS.IDEMPOTENCY_KEY, task.idempotencyKey())
                    .set(TASKS.LANGUAGE, TaskLanguage.of(task.configJson()))
                    .set(TASKS.ROOT_ID, TaskTrees.rootOf(task.id(), task.parentId()))
                    .set(TASKS.RERUN_OF, task.rerunOf())
                    .execute();
            TaskLabels.insert(tx, task.id(), task.labels());
            if (task.envJson() != null) {
                tx.insertInto(TASK_SECRETS).set(TASK_SECRETS.TASK_ID, task.id()).set(TASK_SECRETS.ENV_JSON, task.envJson()).execute();
            }
            String submitted = task.rerunOf() == null ? "submitted" : "submitted, rerun of " + task.rerunOf();
            Transition.event(tx, task.id(), null, null, TaskStatus.PENDING,
                    task.runAt() == null ? submitted : submitted + ", due at " + task.runAt().toInstant());
            alsoWrite.accept(tx);
        });
    }

    /** Moves a PENDING or RETRY_WAIT task to RUNNING and opens its next attempt; returns the attempt number. */
    public int startAttempt(String taskId, String nodeId) {
        return claim(taskId, nodeId, false).orElseThrow(() -> new StaleTransitionException("task " + taskId + " is not runnable"));
    }

    /**
     * Claims the task for {@code nodeId} if it is PENDING (and, with {@code onlyIfDue}, due): an optimistic,
     * fenced update on (status, attempts), so two nodes can never both open the same attempt.
     */
    public Optional<Integer> claim(String taskId, String nodeId, boolean onlyIfDue) {
        return dsl.transactionResult(cfg -> claimIn(DSL.using(cfg), taskId, nodeId, onlyIfDue));
    }

    /**
     * Journals a new task and opens its first attempt for {@code nodeId} in one transaction: a task run by the node that
     * submits it ({@code Capsule.run}), one commit fewer than create then claim. Returns the attempt number, 1.
     */
    public int createClaimed(NewTask task, byte[] moduleBytes, String nodeId) {
        return retryingCreate(() -> {
            createOnce(task, moduleBytes, tx -> claimIn(tx, task.id(), nodeId, false)
                    .orElseThrow(() -> new StaleTransitionException("task " + task.id() + " could not be claimed")));
            return 1;
        });
    }

    private static Optional<Integer> claimIn(DSLContext tx, String taskId, String nodeId, boolean onlyIfDue) {
        TasksRecord task = tx.selectFrom(TASKS).where(TASKS.ID.eq(taskId)).fetchOne();
        if (task == null) {
            throw new JournalException("no task " + taskId);
        }
        TaskStatus from = TaskStatus.valueOf(task.getStatus());
        if (from != TaskStatus.PENDING && from != TaskStatus.RETRY_WAIT) {
            return Optional.<Integer>empty();
        }
        if (Boolean.TRUE.equals(task.getCancelRequested())) {
            cancelQueued(tx, task, from, "cancelled by request before it ran again");
            return Optional.<Integer>empty();
        }
        int attemptNo = task.getAttempts() + 1;
        Transition claim = new Transition(taskId, from, task.getAttempts(), TaskStatus.RUNNING);
        if (!claim.apply(tx, Map.of(TASKS.ATTEMPTS, attemptNo, TASKS.CLAIMED_BY, nodeId),
                onlyIfDue ? TASKS.RUN_AT.le(DSL.currentOffsetDateTime()) : DSL.noCondition(),
                attemptNo, "claimed by " + nodeId + ": attempt " + attemptNo + " started")) {
            return Optional.<Integer>empty();
        }
        tx.insertInto(ATTEMPTS)
                .set(ATTEMPTS.TASK_ID, taskId)
                .set(ATTEMPTS.ATTEMPT_NO, attemptNo)
                .set(ATTEMPTS.NODE_ID, nodeId)
                .set(ATTEMPTS.STATUS, AttemptStatus.RUNNING.name())
                .set(ATTEMPTS.STARTED_AT, DSL.currentOffsetDateTime())
                .set(ATTEMPTS.TASK_NAME, task.getName())
                .execute();
        return Optional.of(attemptNo);
    }

    /**
     * Claims up to {@code max} due tasks, oldest due first: PENDING ones, and RETRY_WAIT ones whose retry or resume time
     * has come (the one path that makes a retry due; a Quartz timer only wakes the worker, so a lost timer delays nothing).
     */
    public List<Claim> claimDue(String nodeId, int max) {
        if (max <= 0) {
            return List.of();
        }
        claiming.lock();
        try {
            return BatchClaim.claim(dsl, nodeId, max);
        } finally {
            claiming.unlock();
        }
    }

    /** RETRY_WAIT to PENDING: the retry is due. False when the task was not waiting (already due, cancelled...). */
    public boolean makeDue(String taskId, String reason) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            TasksRecord task = tx.selectFrom(TASKS).where(TASKS.ID.eq(taskId)).fetchOne();
            if (task == null || !task.getStatus().equals(TaskStatus.RETRY_WAIT.name())) {
                return false;
            }
            return new Transition(taskId, TaskStatus.RETRY_WAIT, task.getAttempts(), TaskStatus.PENDING)
                    .apply(tx, Map.of(), task.getAttempts(), reason);
        });
    }

    /** Cancels a task that has not started, or asks the node running it to stop the attempt. */
    public CancelOutcome requestCancel(String taskId) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            TasksRecord task = tx.selectFrom(TASKS).where(TASKS.ID.eq(taskId)).fetchOne();
            if (task == null) {
                return CancelOutcome.NOT_FOUND;
            }
            TaskStatus status = TaskStatus.valueOf(task.getStatus());
            if (status.isFinal()) {
                return CancelOutcome.ALREADY_FINISHED;
            }
            if (status == TaskStatus.RUNNING) {
                tx.update(TASKS).set(TASKS.CANCEL_REQUESTED, true).where(TASKS.ID.eq(taskId)).execute();
                return CancelOutcome.REQUESTED;
            }
            new Transition(taskId, status, task.getAttempts(), TaskStatus.CANCELLED).applyOrRefuse(tx,
                    Map.of(TASKS.CANCEL_REQUESTED, true, TASKS.ERROR_TYPE, ErrorType.CANCELLED.wireName(), TASKS.ERROR_MESSAGE, "cancelled before it ran"),
                    task.getAttempts() == 0 ? null : task.getAttempts(), "cancelled by request", "task " + taskId + " changed while being cancelled");
            return CancelOutcome.CANCELLED;
        });
    }

    /**
     * Abandons every RUNNING attempt of a node that is gone: ABANDONED with the reason, its task queued again
     * at once (not counted against max_retries), or FAILED with error_type {@code lost} once it has been
     * abandoned {@code maxRecoveries} times. Returns the number of tasks recovered or failed.
     */
    public int recoverNode(String nodeId, String reason, int maxRecoveries) {
        List<TasksRecord> running = dsl.selectFrom(TASKS)
                .where(TASKS.CLAIMED_BY.eq(nodeId))
                .and(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                .fetch();
        int n = 0;
        for (TasksRecord task : running) {
            if (abandon(task.getId(), task.getAttempts(), reason, true, maxRecoveries)) {
                n++;
            }
        }
        return n;
    }

    /** Gives every running attempt of a node back to the queue (the node is closing); returns how many. */
    public int handBackAll(String nodeId, String reason) {
        List<TasksRecord> running = dsl.selectFrom(TASKS)
                .where(TASKS.CLAIMED_BY.eq(nodeId))
                .and(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                .fetch();
        int n = 0;
        for (TasksRecord task : running) {
            if (handBack(task.getId(), task.getAttempts(), reason)) {
                n++;
            }
        }
        return n;
    }

    /** Gives a running attempt back to the queue (a node shutting down); not a failure, not a recovery. */
    public boolean handBack(String taskId, int attemptNo, String reason) {
        return abandon(taskId, attemptNo, reason, false, Integer.MAX_VALUE);
    }

    /**
     * Ends an abandoned attempt: its task is queued again, or FAILED as {@code lost} past {@code maxRecoveries}, or
     * CANCELLED when it had been asked to cancel (a cancelled task never runs again, whichever node picks it up).
     */
    private boolean abandon(String taskId, int attemptNo, String reason, boolean countRecovery, int maxRecoveries) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            TasksRecord task = tx.selectFrom(TASKS).where(TASKS.ID.eq(taskId)).fetchOne();
            if (task == null || !task.getStatus().equals(TaskStatus.RUNNING.name()) || task.getAttempts() != attemptNo) {
                return false;
            }
            int recoveries = task.getRecoveries() + (countRecovery ? 1 : 0);
            boolean cancelled = Boolean.TRUE.equals(task.getCancelRequested());
            boolean giveUp = !cancelled && countRecovery && recoveries > maxRecoveries;
            TaskStatus to = cancelled ? TaskStatus.CANCELLED : giveUp ? TaskStatus.FAILED : TaskStatus.PENDING;
            Map<Field<?>, Object> columns = new LinkedHashMap<>();
            columns.put(TASKS.RECOVERIES, recoveries);
            columns.put(TASKS.RUN_AT, DSL.currentOffsetDateTime());
            if (cancelled) {
                columns.put(TASKS.ERROR_TYPE, ErrorType.CANCELLED.wireName());
                columns.put(TASKS.ERROR_MESSAGE, "cancelled by request; its attempt was abandoned: " + reason);
            } else if (giveUp) {
                columns.put(TASKS.ERROR_TYPE, ErrorType.LOST.wireName());
                columns.put(TASKS.ERROR_MESSAGE, "abandoned " + recoveries + " times; last: " + reason);
            }
            String why = cancelled ? "abandoned: " + reason + "; cancelled, as requested"
                    : giveUp ? "abandoned: " + reason + "; failed as lost after " + recoveries + " recoveries"
                    : "abandoned: " + reason + "; queued again";
            if (!new Transition(taskId, TaskStatus.RUNNING, attemptNo, to).apply(tx, columns, attemptNo, why)) {
                return false;
            }
            tx.update(ATTEMPTS)
                    .set(ATTEMPTS.STATUS, AttemptStatus.ABANDONED.name())
                    .set(ATTEMPTS.FINISHED_AT, DSL.currentOffsetDateTime())
                    .set(ATTEMPTS.ERROR_TYPE, ErrorType.LOST.wireName())
                    .set(ATTEMPTS.ERROR_MESSAGE, reason)
                    .where(ATTEMPTS.TASK_ID.eq(taskId))
                    .and(ATTEMPTS.ATTEMPT_NO.eq(attemptNo))
                    .and(ATTEMPTS.STATUS.eq(AttemptStatus.RUNNING.name()))
                    .execute();
            return true;
        });
    }

    /** A queued task that was asked to cancel (its last attempt was abandoned): CANCELLED instead of claimed. */
    static void cancelQueued(DSLContext tx, TasksRecord task, TaskStatus from, String reason) {
        new Transition(task.getId(), from, task.getAttempts(), TaskStatus.CANCELLED).apply(tx,
                Map.of(TASKS.ERROR_TYPE, ErrorType.CANCELLED.wireName(), TASKS.ERROR_MESSAGE, reason), task.getAttempts() == 0 ? null : task.getAttempts(), reason);
    }

    /**
     * Deletes the environment values of tasks that have ended: a task that can no longer run (nor start a child) needs
     * none. Returns how many were deleted.
     */
    public int forgetFinishedSecrets() {
        return dsl.deleteFrom(TASK_SECRETS).where(TASK_SECRETS.TASK_ID.in(DSL.select(TASKS.ID).from(TASKS)
                .where(TASKS.STATUS.in(TaskStatus.SUCCEEDED.name(), TaskStatus.FAILED.name(), TaskStatus.CANCELLED.name()))
                .and(TASKS.ID.in(DSL.select(TASK_SECRETS.TASK_ID).from(TASK_SECRETS))))).execute();
    }

    /**
     * Closes a RUNNING attempt and moves its task on: SUCCEEDED, FAILED, CANCELLED, or RETRY_WAIT when
     * {@code retry} is set. Fenced on (task status RUNNING, attempt number): a stale writer changes nothing.
     */
    public TaskStatus finishAttempt(String taskId, int attemptNo, AttemptOutcome outcome, boolean retry, String reason) {
        return finishAttempt(taskId, attemptNo, outcome, retry ? DSL.currentOffsetDateTime() : null, reason);
    }

    /** As above; a non-null {@code retryAt} (a time of the database clock) sends the task to RETRY_WAIT until then. */
    public TaskStatus finishAttempt(String taskId, int attemptNo, AttemptOutcome outcome, OffsetDateTime retryAt, String reason) {
        return finishAttempt(taskId, attemptNo, outcome, retryAt == null ? null : DSL.val(retryAt), reason);
    }

    private TaskStatus finishAttempt(String taskId, int attemptNo, AttemptOutcome outcome, Field<OffsetDateTime> retryAt, String reason) {
        return dsl.transactionResult(cfg -> finishIn(DSL.using(cfg), taskId, attemptNo, outcome, retryAt, reason));
    }

    /**
     * Journals the ends of several attempts in one transaction (one commit: the engine's group commit), each as
     * {@link #finishAttempt(String, int, AttemptOutcome, OffsetDateTime, String)} would, and in the same transaction claims
     * up to {@code claimMax} due tasks for {@code nodeId} as {@link #claimDue} would (none when 0). Returns the ends' task
     * statuses in order, and the claims. Should any end be refused (or the transaction fail), nothing is written and the
     * exception is thrown.
     */
    public EndsAndClaims finishAttempts(List<AttemptEnd> ends, String nodeId, int claimMax) {
        if (claimMax <= 0) {
            return finishAndClaim(ends, nodeId, 0);
        }
        claiming.lock();
        try {
            return finishAndClaim(ends, nodeId, claimMax);
        } finally {
            claiming.unlock();
        }
    }

    private EndsAndClaims finishAndClaim(List<AttemptEnd> ends, String nodeId, int claimMax) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            List<TaskStatus> statuses = new ArrayList<>(ends.size());
            for (AttemptEnd end : ends) {
                statuses.add(finishIn(tx, end.taskId(), end.attemptNo(), end.outcome(),
                        end.retryAt() == null ? null : DSL.val(end.retryAt()), end.reason()));
            }
            return new EndsAndClaims(statuses, claimMax > 0 ? BatchClaim.claimIn(tx, nodeId, claimMax) : List.of());
        });
    }

    /** What {@link #finishAttempts} wrote: the task status each end produced, in order, and the tasks it claimed. */
    public record EndsAndClaims(List<TaskStatus> statuses, List<Claim> claims) {
    }

    private static TaskStatus finishIn(DSLContext tx, String taskId, int attemptNo, AttemptOutcome outcome, Field<OffsetDateTime> retryAt,
                                       String reason) {
        boolean retry = retryAt != null;
        TaskStatus planned = switch (outcome.status()) {
            case SUCCEEDED -> TaskStatus.SUCCEEDED;
            case CANCELLED -> TaskStatus.CANCELLED;
            case SUSPENDED -> {
                if (!retry) {
                    throw new IllegalArgumentException("a suspended attempt needs the time it resumes");
                }
                yield TaskStatus.RETRY_WAIT;
            }
            case FAILED, ABANDONED -> retry ? TaskStatus.RETRY_WAIT : TaskStatus.FAILED;
            case RUNNING -> throw new IllegalArgumentException("an outcome cannot be RUNNING");
        };
        TaskStatus to = planned;
        Map<Field<?>, Object> columns = new HashMap<>();
        columns.put(TASKS.RESULT, outcome.resultJson());
        columns.put(TASKS.ERROR_TYPE, outcome.errorType());
        columns.put(TASKS.ERROR_MESSAGE, outcome.errorMessage());
        if (retry) {
            columns.put(TASKS.RUN_AT, retryAt);
        }
        if (planned == TaskStatus.RETRY_WAIT && Boolean.TRUE.equals(tx.select(TASKS.CANCEL_REQUESTED).from(TASKS)
                .where(TASKS.ID.eq(taskId)).fetchOne(TASKS.CANCEL_REQUESTED))) {
            // asked to cancel while this attempt ran: it is not retried or resumed
            to = TaskStatus.CANCELLED;
            columns.remove(TASKS.RUN_AT);
            columns.put(TASKS.ERROR_TYPE, ErrorType.CANCELLED.wireName());
            columns.put(TASKS.ERROR_MESSAGE, "cancelled by request; its last attempt: "
                    + (outcome.errorMessage() == null ? outcome.status().name().toLowerCase(java.util.Locale.ROOT) : outcome.errorMessage()));
        }
        new Transition(taskId, TaskStatus.RUNNING, attemptNo, to).applyOrRefuse(tx, columns, attemptNo, reason,
                "attempt " + attemptNo + " of task " + taskId + " is no longer current");
        int attemptsChanged = tx.update(ATTEMPTS)
                .set(ATTEMPTS.STATUS, outcome.status().name())
                .set(ATTEMPTS.FINISHED_AT, DSL.currentOffsetDateTime())
                .set(ATTEMPTS.DURATION_MS, outcome.durationMs())
                .set(ATTEMPTS.FUEL_CONSUMED, outcome.fuelConsumed())
                .set(ATTEMPTS.RAM_USED, outcome.ramUsed())
                .set(ATTEMPTS.EXIT_CODE, outcome.exitCode())
                .set(ATTEMPTS.ERROR_TYPE, outcome.errorType())
                .set(ATTEMPTS.ERROR_MESSAGE, outcome.errorMessage())
                .set(ATTEMPTS.ERROR_DETAIL, outcome.errorDetail())
                .where(ATTEMPTS.TASK_ID.eq(taskId))
                .and(ATTEMPTS.ATTEMPT_NO.eq(attemptNo))
                .and(ATTEMPTS.STATUS.eq(AttemptStatus.RUNNING.name()))
                .execute();
        if (attemptsChanged != 1) {
            throw new StaleTransitionException("attempt " + attemptNo + " of task " + taskId + " is not running");
        }
        AttemptOutputs.insert(tx, taskId, attemptNo, outcome.output());
        StepJournal.insert(tx, taskId, attemptNo, outcome.steps());
        StepJournal.replayed(tx, taskId, attemptNo, outcome.replayedSteps());
        for (HostRequest request : outcome.hostRequests()) {
            tx.insertInto(HOST_REQUESTS)
                    .set(HOST_REQUESTS.TASK_ID, taskId)
                    .set(HOST_REQUESTS.ATTEMPT_NO, attemptNo)
                    .set(HOST_REQUESTS.SEQ, request.seq())
                    .set(HOST_REQUESTS.TASK_NAME, DSL.select(TASKS.NAME).from(TASKS).where(TASKS.ID.eq(taskId)))
                    .set(HOST_REQUESTS.AT, OffsetDateTime.ofInstant(Instant.ofEpochMilli(request.atEpochMs()), ZoneOffset.UTC))
                    .set(HOST_REQUESTS.METHOD, request.method())
                    .set(HOST_REQUESTS.URL, request.url())
                    .set(HOST_REQUESTS.HEADERS, HostRequestHeaders.toJson(request.headers()))
                    .set(HOST_REQUESTS.STATUS, request.status())
                    .set(HOST_REQUESTS.BYTES_SENT, request.bytesSent())
                    .set(HOST_REQUESTS.BYTES_RECEIVED, request.bytesReceived())
                    .set(HOST_REQUESTS.DURATION_MS, request.durationMs())
                    .set(HOST_REQUESTS.ERROR, request.error())
                    .execute();
        }
        return to;
    }

}
