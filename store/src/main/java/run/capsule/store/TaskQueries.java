package run.capsule.store;

import run.capsule.protocol.HostRequest;
import org.jooq.DSLContext;
import run.capsule.store.jooq.tables.records.AttemptsRecord;
import run.capsule.store.jooq.tables.records.TaskEventsRecord;
import run.capsule.store.jooq.tables.records.TasksRecord;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.HOST_REQUESTS;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;
import static run.capsule.store.jooq.Tables.TASK_SECRETS;

/** What the journal says about tasks: rows, trees, attempts, events and requests. Reads only; {@link TaskJournal} writes. */
public class TaskQueries {
    /** Parent ids per query when walking a tree, well under the bind-parameter limits of H2 and PostgreSQL. */
    private static final int DESCENDANTS_BATCH = 500;
    final DSLContext dsl;

    TaskQueries(DSLContext dsl) {
        this.dsl = dsl;
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
        Set<String> seen = new HashSet<>(List.of(taskId));
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

    /** How many attempts of the task ended FAILED (abandoned and cancelled ones do not count). */
    public int failedAttempts(String taskId) {
        return dsl.fetchCount(ATTEMPTS, ATTEMPTS.TASK_ID.eq(taskId).and(ATTEMPTS.STATUS.eq(AttemptStatus.FAILED.name())));
    }

    /** Running attempts of this node whose tasks were asked to cancel. */
    public List<Claim> cancelRequested(String nodeId) {
        return dsl.select(TASKS.ID, TASKS.ATTEMPTS).from(TASKS)
                .where(TASKS.CLAIMED_BY.eq(nodeId))
                .and(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                .and(TASKS.CANCEL_REQUESTED.isTrue())
                .fetch(r -> new Claim(r.value1(), r.value2()));
    }

    /** The attempts the journal says {@code nodeId} runs now: its RUNNING tasks' current attempts. */
    public List<Claim> runningClaims(String nodeId) {
        return dsl.select(TASKS.ID, TASKS.ATTEMPTS).from(TASKS)
                .where(TASKS.CLAIMED_BY.eq(nodeId))
                .and(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                .fetch(r -> new Claim(r.value1(), r.value2()));
    }

    public boolean isCancelRequested(String taskId) {
        return dsl.fetchExists(TASKS, TASKS.ID.eq(taskId).and(TASKS.CANCEL_REQUESTED.isTrue()));
    }

    public Optional<String> secrets(String taskId) {
        return dsl.select(TASK_SECRETS.ENV_JSON).from(TASK_SECRETS).where(TASK_SECRETS.TASK_ID.eq(taskId)).fetchOptional(TASK_SECRETS.ENV_JSON);
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
    public List<HostRequest> hostRequests(String taskId, int attemptNo) {
        return dsl.selectFrom(HOST_REQUESTS)
                .where(HOST_REQUESTS.TASK_ID.eq(taskId)).and(HOST_REQUESTS.ATTEMPT_NO.eq(attemptNo))
                .orderBy(HOST_REQUESTS.SEQ)
                .fetch(r -> new HostRequest(r.getSeq(), r.getAt().toInstant().toEpochMilli(), r.getMethod(), r.getUrl(),
                        HostRequestHeaders.fromJson(r.getHeaders()), r.getStatus(),
                        r.getBytesSent(), r.getBytesReceived(), r.getDurationMs(), r.getError()));
    }

    public List<EventRow> events(String taskId) {
        return dsl.selectFrom(TASK_EVENTS).where(TASK_EVENTS.TASK_ID.eq(taskId)).orderBy(TASK_EVENTS.ID).fetch(TaskJournal::toEvent);
    }

    static TaskRow toTask(TasksRecord r) {
        return new TaskRow(r.getId(), r.getName(), TaskStatus.valueOf(r.getStatus()), r.getParentId(), r.getModuleSha256(),
                r.getCreatedAt(), r.getUpdatedAt(), r.getAttempts(), r.getMaxRetries(), r.getResult(), r.getErrorType(),
                r.getErrorMessage(), r.getConfig(), r.getRunAt(), r.getClaimedBy(), r.getRecoveries(), r.getIdempotencyKey());
    }

    static AttemptRow toAttempt(AttemptsRecord r) {
        return new AttemptRow(r.getTaskId(), r.getAttemptNo(), r.getNodeId(), AttemptStatus.valueOf(r.getStatus()),
                r.getStartedAt(), r.getFinishedAt(), r.getDurationMs(), r.getFuelConsumed(), r.getRamUsed(), r.getExitCode(),
                r.getErrorType(), r.getErrorMessage(), r.getErrorDetail());
    }

    static EventRow toEvent(TaskEventsRecord r) {
        return new EventRow(r.getTaskId(), r.getAttemptNo(), r.getAt(),
                r.getFromStatus() == null ? null : TaskStatus.valueOf(r.getFromStatus()),
                TaskStatus.valueOf(r.getToStatus()), r.getReason());
    }
}
