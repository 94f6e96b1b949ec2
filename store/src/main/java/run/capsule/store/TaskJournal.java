package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.jooq.impl.DSL;
import run.capsule.store.jooq.tables.records.AttemptsRecord;
import run.capsule.store.jooq.tables.records.TaskEventsRecord;
import run.capsule.store.jooq.tables.records.TasksRecord;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.HOST_REQUESTS;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;
import static run.capsule.store.jooq.Tables.TASK_SECRETS;

/**
 * Tasks, attempts and their status changes. Every status change and its {@code task_events} row are
 * written in one transaction; a change whose precondition no longer holds is refused with
 * {@link StaleTransitionException} and writes nothing.
 */
public final class TaskJournal {
    /** Parent ids per query when walking a tree, well under the bind-parameter limits of H2 and PostgreSQL. */
    private static final int DESCENDANTS_BATCH = 500;
    private final DSLContext dsl;

    TaskJournal(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * Journals a new PENDING task together with its module bytes, in one transaction, and returns its id. With
     * an idempotency key already used, nothing is created and the first task's id is returned. Two tasks of
     * the same new module may race to insert it; the loser retries and then finds it there.
     */
    public String create(NewTask task, byte[] moduleBytes) {
        for (int attempt = 1; ; attempt++) {
            if (task.idempotencyKey() != null) {
                Optional<String> existing = findByIdempotencyKey(task.idempotencyKey());
                if (existing.isPresent()) {
                    return existing.get();
                }
            }
            try {
                createOnce(task, moduleBytes);
                return task.id();
            } catch (IntegrityConstraintViolationException e) {
                boolean keyTaken = task.idempotencyKey() != null && findByIdempotencyKey(task.idempotencyKey()).isPresent();
                boolean moduleRace = ModuleStore.contains(dsl, task.moduleSha256());
                if (attempt >= 3 || !(keyTaken || moduleRace)) {
                    throw e;
                }
            }
        }
    }

    /** The child tasks of a task, oldest first. */
    public List<TaskRow> children(String parentId) {
        return dsl.selectFrom(TASKS).where(TASKS.PARENT_ID.eq(parentId)).orderBy(TASKS.CREATED_AT, TASKS.ID).fetch(TaskJournal::toTask);
    }

    /**
     * The unfinished (PENDING, RUNNING or RETRY_WAIT) descendants of a task, parents before their children: the tree is
     * walked down {@code parent_id} one level per query, through finished tasks too (a finished child may have left a
     * child running).
     */
    public List<String> unfinishedDescendants(String taskId) {
        List<String> unfinished = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>(List.of(taskId));
        List<String> level = List.of(taskId);
        while (!level.isEmpty()) {
            List<String> next = new ArrayList<>();
            for (int from = 0; from < level.size(); from += DESCENDANTS_BATCH) {
                List<String> parents = level.subList(from, Math.min(level.size(), from + DESCENDANTS_BATCH));
                var children = dsl.select(TASKS.ID, TASKS.STATUS).from(TASKS)
                        .where(TASKS.PARENT_ID.in(parents))
                        .orderBy(TASKS.CREATED_AT, TASKS.ID)
                        .fetch();
                for (var child : children) {
                    if (!seen.add(child.value1())) {
                        continue;
                    }
                    next.add(child.value1());
                    if (!TaskStatus.valueOf(child.value2()).isFinal()) {
                        unfinished.add(child.value1());
                    }
                }
            }
            level = next;
        }
        return unfinished;
    }

    /**
     * Unfinished tasks, not yet asked to cancel, whose parent has ended (at most {@code limit}): children a task left
     * behind however it ended (its last attempt, a recovery that gave up, a failure before it ran).
     */
    public List<String> orphans(int limit) {
        var parent = TASKS.as("parent");
        return dsl.select(TASKS.ID).from(TASKS).join(parent).on(parent.ID.eq(TASKS.PARENT_ID))
                .where(TASKS.STATUS.in(TaskStatus.PENDING.name(), TaskStatus.RUNNING.name(), TaskStatus.RETRY_WAIT.name()))
                .and(TASKS.PARENT_ID.isNotNull())
                .and(TASKS.CANCEL_REQUESTED.isFalse())
                .and(parent.STATUS.in(TaskStatus.SUCCEEDED.name(), TaskStatus.FAILED.name(), TaskStatus.CANCELLED.name()))
                .limit(limit)
                .fetch(TASKS.ID);
    }

    /** How many child tasks of a task have not ended (PENDING, RUNNING or RETRY_WAIT). */
    public int unfinishedChildren(String parentId) {
        return dsl.fetchCount(TASKS, TASKS.PARENT_ID.eq(parentId)
                .and(TASKS.STATUS.in(TaskStatus.PENDING.name(), TaskStatus.RUNNING.name(), TaskStatus.RETRY_WAIT.name())));
    }

    public Optional<String> findByIdempotencyKey(String key) {
        return dsl.select(TASKS.ID).from(TASKS).where(TASKS.IDEMPOTENCY_KEY.eq(key)).fetchOptional(TASKS.ID);
    }

    /**
     * Journals a child task and, in the same transaction, its parent's steps up to and including the step that started
     * it (docs/steps.md). A step already journaled is left as it is.
     */
    public void createChild(NewTask child, byte[] moduleBytes, int parentAttemptNo, List<NewStep> parentSteps) {
        for (int attempt = 1; ; attempt++) {
            try {
                createOnce(child, moduleBytes, tx -> StepJournal.insert(tx, child.parentId(), parentAttemptNo, parentSteps));
                return;
            } catch (IntegrityConstraintViolationException e) {
                if (attempt >= 3 || !ModuleStore.contains(dsl, child.moduleSha256())) {
                    throw e;
                }
            }
        }
    }

    private void createOnce(NewTask task, byte[] moduleBytes) {
        createOnce(task, moduleBytes, tx -> { });
    }

    private void createOnce(NewTask task, byte[] moduleBytes, java.util.function.Consumer<DSLContext> alsoWrite) {
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
                    .execute();
            if (task.envJson() != null) {
                tx.insertInto(TASK_SECRETS).set(TASK_SECRETS.TASK_ID, task.id()).set(TASK_SECRETS.ENV_JSON, task.envJson()).execute();
            }
            event(tx, task.id(), null, null, TaskStatus.PENDING,
                    task.runAt() == null ? "submitted" : "submitted, due at " + task.runAt().toInstant());
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
        for (int attempt = 1; ; attempt++) {
            try {
                createOnce(task, moduleBytes, tx -> claimIn(tx, task.id(), nodeId, false)
                        .orElseThrow(() -> new StaleTransitionException("task " + task.id() + " could not be claimed")));
                return 1;
            } catch (IntegrityConstraintViolationException e) {
                if (attempt >= 3 || !ModuleStore.contains(dsl, task.moduleSha256())) {
                    throw e;
                }
            }
        }
    }

    private static Optional<Integer> claimIn(DSLContext tx, String taskId, String nodeId, boolean onlyIfDue) {
        TasksRecord task = tx.selectFrom(TASKS).where(TASKS.ID.eq(taskId)).fetchOne();
        if (task == null) {
            throw new JournalException("no task " + taskId);
        }
        TaskStatus from = TaskStatus.valueOf(task.getStatus());
        if (from != TaskStatus.PENDING && (onlyIfDue || from != TaskStatus.RETRY_WAIT)) {
            return Optional.<Integer>empty();
        }
        if (Boolean.TRUE.equals(task.getCancelRequested())) {
            cancelQueued(tx, task, from, "cancelled by request before it ran again");
            return Optional.<Integer>empty();
        }
        int attemptNo = task.getAttempts() + 1;
        var update = tx.update(TASKS)
                .set(TASKS.STATUS, TaskStatus.RUNNING.name())
                .set(TASKS.ATTEMPTS, attemptNo)
                .set(TASKS.CLAIMED_BY, nodeId)
                .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(TASKS.ID.eq(taskId))
                .and(TASKS.STATUS.eq(from.name()))
                .and(TASKS.ATTEMPTS.eq(task.getAttempts()));
        int changed = onlyIfDue ? update.and(TASKS.RUN_AT.le(DSL.currentOffsetDateTime())).execute() : update.execute();
        if (changed != 1) {
            return Optional.<Integer>empty();
        }
        tx.insertInto(ATTEMPTS)
                .set(ATTEMPTS.TASK_ID, taskId)
                .set(ATTEMPTS.ATTEMPT_NO, attemptNo)
                .set(ATTEMPTS.NODE_ID, nodeId)
                .set(ATTEMPTS.STATUS, AttemptStatus.RUNNING.name())
                .set(ATTEMPTS.STARTED_AT, DSL.currentOffsetDateTime())
                .execute();
        event(tx, taskId, attemptNo, from, TaskStatus.RUNNING, "claimed by " + nodeId + ": attempt " + attemptNo + " started");
        return Optional.of(attemptNo);
    }

    /** Claims up to {@code max} due PENDING tasks, oldest due first. */
    public List<Claim> claimDue(String nodeId, int max) {
        if (max <= 0) {
            return List.of();
        }
        List<String> candidates = dsl.select(TASKS.ID).from(TASKS)
                .where(TASKS.STATUS.eq(TaskStatus.PENDING.name()))
                .and(TASKS.RUN_AT.le(DSL.currentOffsetDateTime()))
                .orderBy(TASKS.RUN_AT, TASKS.ID)
                .limit(max * 2)
                .fetch(TASKS.ID);
        List<Claim> claimed = new ArrayList<>();
        for (String id : candidates) {
            if (claimed.size() == max) {
                break;
            }
            claim(id, nodeId, true).ifPresent(n -> claimed.add(new Claim(id, n)));
        }
        return claimed;
    }

    /** How many attempts of the task ended FAILED (abandoned and cancelled ones do not count). */
    public int failedAttempts(String taskId) {
        return dsl.fetchCount(ATTEMPTS, ATTEMPTS.TASK_ID.eq(taskId).and(ATTEMPTS.STATUS.eq(AttemptStatus.FAILED.name())));
    }

    /** RETRY_WAIT to PENDING: the retry is due. False when the task was not waiting (already due, cancelled...). */
    public boolean makeDue(String taskId, String reason) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            TasksRecord task = tx.selectFrom(TASKS).where(TASKS.ID.eq(taskId)).fetchOne();
            if (task == null || !task.getStatus().equals(TaskStatus.RETRY_WAIT.name())) {
                return false;
            }
            int changed = tx.update(TASKS)
                    .set(TASKS.STATUS, TaskStatus.PENDING.name())
                    .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .where(TASKS.ID.eq(taskId))
                    .and(TASKS.STATUS.eq(TaskStatus.RETRY_WAIT.name()))
                    .and(TASKS.ATTEMPTS.eq(task.getAttempts()))
                    .execute();
            if (changed == 1) {
                event(tx, taskId, task.getAttempts(), TaskStatus.RETRY_WAIT, TaskStatus.PENDING, reason);
            }
            return changed == 1;
        });
    }

    /** Makes due every RETRY_WAIT task whose time passed more than {@code tolerance} ago: the backstop for lost timers. */
    public int makeOverdueRetriesDue(java.time.Duration tolerance) {
        OffsetDateTime now = dsl.select(DSL.currentOffsetDateTime()).fetchOne(0, OffsetDateTime.class);
        List<String> overdue = dsl.select(TASKS.ID).from(TASKS)
                .where(TASKS.STATUS.eq(TaskStatus.RETRY_WAIT.name()))
                .and(TASKS.RUN_AT.lt(now.minus(tolerance)))
                .fetch(TASKS.ID);
        int n = 0;
        for (String id : overdue) {
            if (makeDue(id, "retry due (found overdue by the sweep)")) {
                n++;
            }
        }
        return n;
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
            int changed = tx.update(TASKS)
                    .set(TASKS.STATUS, TaskStatus.CANCELLED.name())
                    .set(TASKS.CANCEL_REQUESTED, true)
                    .set(TASKS.ERROR_TYPE, "cancelled")
                    .set(TASKS.ERROR_MESSAGE, "cancelled before it ran")
                    .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .where(TASKS.ID.eq(taskId))
                    .and(TASKS.STATUS.eq(status.name()))
                    .execute();
            if (changed != 1) {
                throw new StaleTransitionException("task " + taskId + " changed while being cancelled");
            }
            event(tx, taskId, task.getAttempts() == 0 ? null : task.getAttempts(), status, TaskStatus.CANCELLED, "cancelled by request");
            return CancelOutcome.CANCELLED;
        });
    }

    /** Running attempts of this node whose tasks were asked to cancel. */
    public List<Claim> cancelRequested(String nodeId) {
        return dsl.select(TASKS.ID, TASKS.ATTEMPTS).from(TASKS)
                .where(TASKS.CLAIMED_BY.eq(nodeId))
                .and(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                .and(TASKS.CANCEL_REQUESTED.isTrue())
                .fetch(r -> new Claim(r.value1(), r.value2()));
    }

    public boolean isCancelRequested(String taskId) {
        return dsl.fetchExists(TASKS, TASKS.ID.eq(taskId).and(TASKS.CANCEL_REQUESTED.isTrue()));
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
            var update = tx.update(TASKS)
                    .set(TASKS.STATUS, to.name())
                    .set(TASKS.RECOVERIES, recoveries)
                    .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .set(TASKS.RUN_AT, DSL.currentOffsetDateTime());
            if (cancelled) {
                update = update.set(TASKS.ERROR_TYPE, "cancelled").set(TASKS.ERROR_MESSAGE, "cancelled by request; its attempt was abandoned: " + reason);
            } else if (giveUp) {
                update = update.set(TASKS.ERROR_TYPE, "lost")
                        .set(TASKS.ERROR_MESSAGE, "abandoned " + recoveries + " times; last: " + reason);
            }
            int changed = update.where(TASKS.ID.eq(taskId))
                    .and(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                    .and(TASKS.ATTEMPTS.eq(attemptNo))
                    .execute();
            if (changed != 1) {
                return false;
            }
            tx.update(ATTEMPTS)
                    .set(ATTEMPTS.STATUS, AttemptStatus.ABANDONED.name())
                    .set(ATTEMPTS.FINISHED_AT, DSL.currentOffsetDateTime())
                    .set(ATTEMPTS.ERROR_TYPE, "lost")
                    .set(ATTEMPTS.ERROR_MESSAGE, reason)
                    .where(ATTEMPTS.TASK_ID.eq(taskId))
                    .and(ATTEMPTS.ATTEMPT_NO.eq(attemptNo))
                    .and(ATTEMPTS.STATUS.eq(AttemptStatus.RUNNING.name()))
                    .execute();
            event(tx, taskId, attemptNo, TaskStatus.RUNNING, to, cancelled ? "abandoned: " + reason + "; cancelled, as requested"
                    : giveUp ? "abandoned: " + reason + "; failed as lost after " + recoveries + " recoveries"
                    : "abandoned: " + reason + "; queued again");
            return true;
        });
    }

    /** A queued task that was asked to cancel (its last attempt was abandoned): CANCELLED instead of claimed. */
    private static void cancelQueued(DSLContext tx, TasksRecord task, TaskStatus from, String reason) {
        int changed = tx.update(TASKS)
                .set(TASKS.STATUS, TaskStatus.CANCELLED.name())
                .set(TASKS.ERROR_TYPE, "cancelled")
                .set(TASKS.ERROR_MESSAGE, reason)
                .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(TASKS.ID.eq(task.getId()))
                .and(TASKS.STATUS.eq(from.name()))
                .and(TASKS.ATTEMPTS.eq(task.getAttempts()))
                .execute();
        if (changed == 1) {
            event(tx, task.getId(), task.getAttempts() == 0 ? null : task.getAttempts(), from, TaskStatus.CANCELLED, reason);
        }
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

    public Optional<String> secrets(String taskId) {
        return dsl.select(TASK_SECRETS.ENV_JSON).from(TASK_SECRETS).where(TASK_SECRETS.TASK_ID.eq(taskId)).fetchOptional(TASK_SECRETS.ENV_JSON);
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

    private TaskStatus finishAttempt(String taskId, int attemptNo, AttemptOutcome outcome, org.jooq.Field<OffsetDateTime> retryAt, String reason) {
        boolean retry = retryAt != null;
        TaskStatus to = switch (outcome.status()) {
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
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            int tasksChanged = tx.update(TASKS)
                    .set(TASKS.STATUS, to.name())
                    .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .set(TASKS.RESULT, outcome.resultJson())
                    .set(TASKS.ERROR_TYPE, outcome.errorType())
                    .set(TASKS.ERROR_MESSAGE, outcome.errorMessage())
                    .set(TASKS.RUN_AT, retry ? retryAt : TASKS.RUN_AT)
                    .where(TASKS.ID.eq(taskId))
                    .and(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                    .and(TASKS.ATTEMPTS.eq(attemptNo))
                    .execute();
            if (tasksChanged != 1) {
                throw new StaleTransitionException("attempt " + attemptNo + " of task " + taskId + " is no longer current");
            }
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
            StepJournal.insert(tx, taskId, attemptNo, outcome.steps());
            StepJournal.replayed(tx, taskId, attemptNo, outcome.replayedSteps());
            for (HostRequestRow request : outcome.hostRequests()) {
                tx.insertInto(HOST_REQUESTS)
                        .set(HOST_REQUESTS.TASK_ID, taskId)
                        .set(HOST_REQUESTS.ATTEMPT_NO, attemptNo)
                        .set(HOST_REQUESTS.SEQ, request.seq())
                        .set(HOST_REQUESTS.AT, request.at())
                        .set(HOST_REQUESTS.METHOD, request.method())
                        .set(HOST_REQUESTS.URL, request.url())
                        .set(HOST_REQUESTS.HEADERS, request.headersJson())
                        .set(HOST_REQUESTS.STATUS, request.status())
                        .set(HOST_REQUESTS.BYTES_SENT, request.bytesSent())
                        .set(HOST_REQUESTS.BYTES_RECEIVED, request.bytesReceived())
                        .set(HOST_REQUESTS.DURATION_MS, request.durationMs())
                        .set(HOST_REQUESTS.ERROR, request.error())
                        .execute();
            }
            event(tx, taskId, attemptNo, TaskStatus.RUNNING, to, reason);
        });
        return to;
    }

    public Optional<TaskRow> find(String taskId) {
        return dsl.selectFrom(TASKS).where(TASKS.ID.eq(taskId)).fetchOptional().map(TaskJournal::toTask);
    }

    /** Tasks whose id starts with the given prefix (at most two, enough to tell a unique match). */
    public List<TaskRow> findByPrefix(String prefix) {
        return dsl.selectFrom(TASKS).where(TASKS.ID.startsWith(prefix)).limit(2).fetch(TaskJournal::toTask);
    }

    public List<TaskRow> recent(int limit) {
        return dsl.selectFrom(TASKS).orderBy(TASKS.CREATED_AT.desc(), TASKS.ID.desc()).limit(limit).fetch(TaskJournal::toTask);
    }

    public List<AttemptRow> attempts(String taskId) {
        return dsl.selectFrom(ATTEMPTS).where(ATTEMPTS.TASK_ID.eq(taskId)).orderBy(ATTEMPTS.ATTEMPT_NO).fetch(TaskJournal::toAttempt);
    }

    /** The network requests of one attempt, in order. */
    public List<HostRequestRow> hostRequests(String taskId, int attemptNo) {
        return dsl.selectFrom(HOST_REQUESTS)
                .where(HOST_REQUESTS.TASK_ID.eq(taskId)).and(HOST_REQUESTS.ATTEMPT_NO.eq(attemptNo))
                .orderBy(HOST_REQUESTS.SEQ)
                .fetch(r -> new HostRequestRow(r.getSeq(), r.getAt(), r.getMethod(), r.getUrl(), r.getHeaders(), r.getStatus(),
                        r.getBytesSent(), r.getBytesReceived(), r.getDurationMs(), r.getError()));
    }

    public List<EventRow> events(String taskId) {
        return dsl.selectFrom(TASK_EVENTS).where(TASK_EVENTS.TASK_ID.eq(taskId)).orderBy(TASK_EVENTS.ID).fetch(TaskJournal::toEvent);
    }

    private static void event(DSLContext tx, String taskId, Integer attemptNo, TaskStatus from, TaskStatus to, String reason) {
        tx.insertInto(TASK_EVENTS)
                .set(TASK_EVENTS.TASK_ID, taskId)
                .set(TASK_EVENTS.ATTEMPT_NO, attemptNo)
                .set(TASK_EVENTS.AT, DSL.currentOffsetDateTime())
                .set(TASK_EVENTS.FROM_STATUS, from == null ? null : from.name())
                .set(TASK_EVENTS.TO_STATUS, to.name())
                .set(TASK_EVENTS.REASON, reason)
                .execute();
    }

    private static TaskRow toTask(TasksRecord r) {
        return new TaskRow(r.getId(), r.getName(), TaskStatus.valueOf(r.getStatus()), r.getParentId(), r.getModuleSha256(),
                r.getCreatedAt(), r.getUpdatedAt(), r.getAttempts(), r.getMaxRetries(), r.getResult(), r.getErrorType(),
                r.getErrorMessage(), r.getConfig(), r.getRunAt(), r.getClaimedBy(), r.getRecoveries(), r.getIdempotencyKey());
    }

    private static AttemptRow toAttempt(AttemptsRecord r) {
        return new AttemptRow(r.getTaskId(), r.getAttemptNo(), r.getNodeId(), AttemptStatus.valueOf(r.getStatus()),
                r.getStartedAt(), r.getFinishedAt(), r.getDurationMs(), r.getFuelConsumed(), r.getRamUsed(), r.getExitCode(),
                r.getErrorType(), r.getErrorMessage(), r.getErrorDetail());
    }

    private static EventRow toEvent(TaskEventsRecord r) {
        return new EventRow(r.getTaskId(), r.getAttemptNo(), r.getAt(),
                r.getFromStatus() == null ? null : TaskStatus.valueOf(r.getFromStatus()),
                TaskStatus.valueOf(r.getToStatus()), r.getReason());
    }

}
