package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.NODES;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;

/** Counts over the whole journal for an overview: tasks by status, the queue, throughput, nodes and their busy runners. */
public final class JournalStats {
    private final DSLContext dsl;

    JournalStats(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Tasks ending in one minute of the database clock. */
    public record Minute(OffsetDateTime minute, int succeeded, int failed, int cancelled) {
    }

    /** A node and how many of its runners hold a RUNNING task. */
    public record NodeLoad(String id, String status, int runners, int busy, OffsetDateTime startedAt, OffsetDateTime heartbeatAt) {
    }

    public record Snapshot(Map<TaskStatus, Integer> counts, int retrying, int queueDepth, List<Minute> lastHour, List<NodeLoad> nodes) {
    }

    public Snapshot snapshot() {
        Map<TaskStatus, Integer> counts = new EnumMap<>(TaskStatus.class);
        for (TaskStatus s : TaskStatus.values()) {
            counts.put(s, 0);
        }
        dsl.select(TASKS.STATUS, DSL.count()).from(TASKS).groupBy(TASKS.STATUS).fetch()
                .forEach(r -> counts.put(TaskStatus.valueOf(r.value1()), r.value2()));
        int retrying = dsl.fetchCount(dsl.selectOne().from(TASKS).where(TASKS.STATUS.eq(TaskStatus.RETRY_WAIT.name()))
                .andExists(DSL.selectOne().from(ATTEMPTS).where(ATTEMPTS.TASK_ID.eq(TASKS.ID)).and(ATTEMPTS.ATTEMPT_NO.eq(TASKS.ATTEMPTS))
                        .and(ATTEMPTS.STATUS.in(AttemptStatus.FAILED.name(), AttemptStatus.ABANDONED.name()))));
        return new Snapshot(counts, retrying, queueDepth(), lastHour(), nodes());
    }

    /** PENDING and RETRY_WAIT tasks that are due (on the {@code tasks_due_idx} index). */
    public int queueDepth() {
        return dsl.fetchCount(dsl.selectOne().from(TASKS)
                .where(TASKS.STATUS.in(TaskStatus.PENDING.name(), TaskStatus.RETRY_WAIT.name()))
                .and(TASKS.RUN_AT.le(DSL.currentOffsetDateTime())));
    }

    private List<Minute> lastHour() {
        OffsetDateTime now = dsl.select(DSL.currentOffsetDateTime()).fetchOne(0, OffsetDateTime.class);
        OffsetDateTime first = now.truncatedTo(ChronoUnit.MINUTES).minusMinutes(59);
        int[][] perMinute = new int[60][3];
        dsl.select(TASK_EVENTS.AT, TASK_EVENTS.TO_STATUS).from(TASK_EVENTS)
                .where(TASK_EVENTS.AT.ge(first))
                .and(TASK_EVENTS.TO_STATUS.in(TaskStatus.SUCCEEDED.name(), TaskStatus.FAILED.name(), TaskStatus.CANCELLED.name()))
                .fetch().forEach(r -> {
                    int slot = (int) ChronoUnit.MINUTES.between(first, r.value1().truncatedTo(ChronoUnit.MINUTES));
                    if (slot >= 0 && slot < 60) {
                        perMinute[slot][TaskStatus.valueOf(r.value2()).ordinal() - TaskStatus.SUCCEEDED.ordinal()]++;
                    }
                });
        return java.util.stream.IntStream.range(0, 60)
                .mapToObj(i -> new Minute(first.plusMinutes(i), perMinute[i][0], perMinute[i][1], perMinute[i][2])).toList();
    }

    private List<NodeLoad> nodes() {
        Map<String, Integer> busy = new HashMap<>();
        dsl.select(TASKS.CLAIMED_BY, DSL.count()).from(TASKS).where(TASKS.STATUS.eq(TaskStatus.RUNNING.name()))
                .and(TASKS.CLAIMED_BY.isNotNull()).groupBy(TASKS.CLAIMED_BY).fetch()
                .forEach(r -> busy.put(r.value1(), r.value2()));
        return dsl.selectFrom(NODES).orderBy(NODES.STARTED_AT.desc()).limit(100).fetch(r -> new NodeLoad(r.getId(), r.getStatus(),
                r.getRunners(), busy.getOrDefault(r.getId(), 0), r.getStartedAt(), r.getHeartbeatAt()));
    }
}
