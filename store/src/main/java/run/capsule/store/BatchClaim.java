package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.Record3;
import org.jooq.Condition;
import org.jooq.Select;
import org.jooq.SelectConditionStep;
import org.jooq.SQLDialect;
import org.jooq.Row3;
import org.jooq.impl.DSL;
import run.capsule.store.jooq.tables.records.TasksRecord;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;

/**
 * Claims up to n due tasks in one transaction: a select of the oldest due rows of each runnable status (on PostgreSQL {@code FOR UPDATE SKIP
 * LOCKED}, so two nodes claiming at once take different rows and neither waits), one fenced update of all of them on (id, status,
 * attempts), then their {@code task_events} and {@code attempts} rows as one insert each. Every claim is still a
 * {@link Transition} with its event; only the number of statements and commits changes.
 */
final class BatchClaim {
    private BatchClaim() {
    }

    static List<Claim> claim(DSLContext dsl, String nodeId, int max) {
        return dsl.transactionResult(cfg -> claimIn(DSL.using(cfg), nodeId, max));
    }

    /** The claim, in a transaction of the caller's (the group commit's, which claims the next tasks with the ends it writes). */
    static List<Claim> claimIn(DSLContext tx, String nodeId, int max) {
        boolean postgres = tx.dialect().family() == SQLDialect.POSTGRES;
        List<Due> due = postgres ? lockOldest(tx, max) : oldestOfEachStatus(tx, max);
        List<Transition> claims = new ArrayList<>();
        Map<String, TasksRecord> read = new HashMap<>();
        for (Due row : due) {
            TaskStatus from = TaskStatus.valueOf(row.status());
            if (Boolean.TRUE.equals(row.cancelRequested())) {
                TaskJournal.cancelQueued(tx, row.task(), from, "cancelled by request before it ran again");
            } else {
                claims.add(new Transition(row.id(), from, row.attempts(), TaskStatus.RUNNING));
                read.put(row.id(), row.task());
            }
        }
        if (claims.isEmpty()) {
            return List.<Claim>of();
        }
        List<Row3<String, String, Integer>> fences = claims.stream()
                .map(c -> DSL.row(c.taskId(), c.from().name(), c.attempts())).toList();
        int changed = tx.update(TASKS)
                .set(TASKS.STATUS, TaskStatus.RUNNING.name())
                .set(TASKS.ATTEMPTS, TASKS.ATTEMPTS.plus(1))
                .set(TASKS.CLAIMED_BY, nodeId)
                .set(TASKS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(DSL.row(TASKS.ID, TASKS.STATUS, TASKS.ATTEMPTS).in(fences))
                .execute();
        if (changed != claims.size()) {
            if (postgres) {
                // rows locked above cannot change; should the lock not hold, claim nothing rather than guess
                throw new StaleTransitionException("due tasks changed while being claimed (" + changed + " of " + claims.size() + ")");
            }
            claims = ours(tx, claims, nodeId);
        }
        var events = tx.insertInto(TASK_EVENTS, TASK_EVENTS.TASK_ID, TASK_EVENTS.ATTEMPT_NO, TASK_EVENTS.AT,
                TASK_EVENTS.FROM_STATUS, TASK_EVENTS.TO_STATUS, TASK_EVENTS.REASON);
        var attempts = tx.insertInto(ATTEMPTS, ATTEMPTS.TASK_ID, ATTEMPTS.ATTEMPT_NO, ATTEMPTS.NODE_ID, ATTEMPTS.STATUS,
                ATTEMPTS.STARTED_AT, ATTEMPTS.TASK_NAME);
        List<Claim> claimed = new ArrayList<>();
        if (claims.isEmpty()) {
            return claimed;
        }
        for (Transition c : claims) {
            int attemptNo = c.attempts() + 1;
            events = events.values(DSL.val(c.taskId()), DSL.val(attemptNo), DSL.currentOffsetDateTime(), DSL.val(c.from().name()),
                    DSL.val(c.to().name()), DSL.val("claimed by " + nodeId + ": attempt " + attemptNo + " started"));
            attempts = attempts.values(DSL.val(c.taskId()), DSL.val(attemptNo), DSL.val(nodeId),
                    DSL.val(AttemptStatus.RUNNING.name()), DSL.currentOffsetDateTime(), DSL.val(read.get(c.taskId()).getName()));
            claimed.add(new Claim(c.taskId(), attemptNo, asClaimed(read.get(c.taskId()), attemptNo, nodeId)));
        }
        events.execute();
        attempts.execute();
        return claimed;
    }

    /** A due task as the claim read it: its whole row, which the claim hands on so that the node need not read it back. */
    private record Due(TasksRecord task) {
        String id() {
            return task.getId();
        }

        String status() {
            return task.getStatus();
        }

        int attempts() {
            return task.getAttempts();
        }

        Boolean cancelRequested() {
            return task.getCancelRequested();
        }

        OffsetDateTime runAt() {
            return task.getRunAt();
        }
    }

    private static SelectConditionStep<TasksRecord> due(DSLContext tx, Condition status) {
        return tx.selectFrom(TASKS).where(status).and(TASKS.RUN_AT.le(DSL.currentOffsetDateTime()));
    }

    /** The row as the fenced update left it (in memory: the update changed exactly these columns). */
    private static TaskRow asClaimed(TasksRecord read, int attemptNo, String nodeId) {
        read.setStatus(TaskStatus.RUNNING.name());
        read.setAttempts(attemptNo);
        read.setClaimedBy(nodeId);
        return TaskQueries.toTask(read);
    }

    /** PostgreSQL: the oldest due rows, locked, skipping rows another node's claim holds (V12's partial index serves the order). */
    private static List<Due> lockOldest(DSLContext tx, int max) {
        return due(tx, TASKS.STATUS.in(TaskStatus.PENDING.name(), TaskStatus.RETRY_WAIT.name()))
                .orderBy(TASKS.RUN_AT, TASKS.ID).limit(max).forUpdate().skipLocked().fetch(Due::new);
    }

    /**
     * H2: the oldest due rows of each runnable status, merged. Ordered by (status, run_at, id) so that H2 reads V13's index in
     * order and stops at the limit; ordered by (run_at, id) across both statuses it read and sorted the whole queue.
     */
    static Select<TasksRecord> oldestOfStatus(DSLContext tx, TaskStatus status, int max) {
        return due(tx, TASKS.STATUS.eq(status.name())).orderBy(TASKS.STATUS, TASKS.RUN_AT, TASKS.ID).limit(max);
    }

    private static List<Due> oldestOfEachStatus(DSLContext tx, int max) {
        List<Due> due = new ArrayList<>();
        for (TaskStatus status : List.of(TaskStatus.PENDING, TaskStatus.RETRY_WAIT)) {
            due.addAll(oldestOfStatus(tx, status, max).fetch(Due::new));
        }
        due.sort(Comparator.comparing(Due::runAt).thenComparing(Due::id));
        return due.size() > max ? due.subList(0, max) : due;
    }

    /**
     * The candidates this transaction's fenced update changed, when another node took some first (H2: its candidates are
     * read without locks; with FOR UPDATE on H2 the drain halved, docs/performance.md).
     */
    private static List<Transition> ours(DSLContext tx, List<Transition> candidates, String nodeId) {
        Map<String, Record3<String, Integer, String>> now = tx.select(TASKS.ID, TASKS.ATTEMPTS, TASKS.CLAIMED_BY).from(TASKS)
                .where(TASKS.ID.in(candidates.stream().map(Transition::taskId).toList()))
                .and(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                .fetchMap(TASKS.ID);
        return candidates.stream().filter(c -> {
            Record3<String, Integer, String> row = now.get(c.taskId());
            return row != null && row.value2() == c.attempts() + 1 && nodeId.equals(row.value3());
        }).toList();
    }
}
