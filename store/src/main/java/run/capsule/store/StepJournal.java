package run.capsule.store;

import run.capsule.protocol.StepRecord;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record3;
import org.jooq.impl.DSL;
import run.capsule.store.jooq.tables.records.StepsRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static run.capsule.store.jooq.Tables.STEPS;

/**
 * The steps tasks made (docs/steps.md), in step order. Writing a step that is already journaled changes nothing:
 * a runner may send a step again after a lost reply, and the first write wins.
 */
public final class StepJournal {
    private final DSLContext dsl;

    StepJournal(DSLContext dsl) {
        this.dsl = dsl;
    }

    public List<StepRow> steps(String taskId) {
        return dsl.selectFrom(STEPS).where(STEPS.TASK_ID.eq(taskId)).orderBy(STEPS.STEP_NO).fetch(StepJournal::toRow);
    }

    /** One step of a task, or empty. */
    /** Which of {@code childIds} the task journaled as its own child steps (a replay adopts those rather than starting them). */
    public java.util.Set<String> journaledChildren(String taskId, java.util.Collection<String> childIds) {
        return new java.util.HashSet<>(dsl.select(STEPS.CHILD_ID).from(STEPS)
                .where(STEPS.TASK_ID.eq(taskId)).and(STEPS.CHILD_ID.in(childIds)).fetch(STEPS.CHILD_ID));
    }

    public Optional<StepRow> step(String taskId, int stepNo) {
        return dsl.selectFrom(STEPS).where(STEPS.TASK_ID.eq(taskId)).and(STEPS.STEP_NO.eq(stepNo)).fetchOptional(StepJournal::toRow);
    }

    /**
     * A task's steps for a replay, in step order, without ever loading more than {@code inlineBudgetBytes} of them:
     * a step whose target, request and outcome take at most {@code maxInlineBytes} (UTF-8) is whole while the
     * budget lasts, counting {@code overheadBytes} per step; every other step is held back (its text null, its
     * size in {@link ReplayStep#bytes()}), to be read with {@link #step} when the replay reaches it.
     */
    public List<ReplayStep> forReplay(String taskId, long maxInlineBytes, long inlineBudgetBytes, long overheadBytes) {
        Field<Long> bytes = DSL.octetLength(STEPS.TARGET).plus(DSL.octetLength(STEPS.REQUEST))
                .plus(DSL.coalesce(DSL.octetLength(STEPS.OUTCOME), DSL.inline(0))).cast(Long.class);
        List<Record3<Integer, String, Long>> sizes = dsl.select(STEPS.STEP_NO, STEPS.KIND, bytes).from(STEPS)
                .where(STEPS.TASK_ID.eq(taskId)).orderBy(STEPS.STEP_NO).fetch();
        long used = 0;
        int firstOverBudget = Integer.MAX_VALUE;
        for (Record3<Integer, String, Long> size : sizes) {
            long weight = size.value3() + overheadBytes;
            if (size.value3() <= maxInlineBytes) {
                if (used + weight > inlineBudgetBytes) {
                    firstOverBudget = size.value1();
                    break;
                }
                used += weight;
            }
        }
        Map<Integer, StepRow> whole = new HashMap<>();
        dsl.selectFrom(STEPS).where(STEPS.TASK_ID.eq(taskId)).and(STEPS.STEP_NO.lt(firstOverBudget)).and(bytes.le(maxInlineBytes))
                .fetch(StepJournal::toRow).forEach(r -> whole.put(r.stepNo(), r));
        List<ReplayStep> steps = new ArrayList<>(sizes.size());
        for (Record3<Integer, String, Long> size : sizes) {
            StepRow row = whole.get(size.value1());
            steps.add(row == null ? ReplayStep.held(size.value1(), size.value2(), size.value3())
                    : new ReplayStep(row.stepNo(), row.kind(), row.target(), row.request(), row.outcome(), row.childId(), row.durationMs(),
                            size.value3(), false));
        }
        return steps;
    }

    /**
     * Journals steps of a running attempt; refused with {@link StaleTransitionException} when the attempt is no longer
     * its task's current one (its node lost it).
     */
    public void record(String taskId, int attemptNo, List<StepRecord> steps) {
        if (steps.isEmpty()) {
            return;
        }
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            AttemptFence.require(tx, taskId, attemptNo);
            insert(tx, taskId, attemptNo, steps);
        });
    }

    static void insert(DSLContext tx, String taskId, int attemptNo, List<StepRecord> steps) {
        for (StepRecord step : steps) {
            boolean present = tx.fetchExists(STEPS, STEPS.TASK_ID.eq(taskId).and(STEPS.STEP_NO.eq(step.stepNo())));
            if (present) {
                continue;
            }
            tx.insertInto(STEPS)
                    .set(STEPS.TASK_ID, taskId)
                    .set(STEPS.STEP_NO, step.stepNo())
                    .set(STEPS.KIND, step.kind())
                    .set(STEPS.TARGET, step.target())
                    .set(STEPS.REQUEST, step.request())
                    .set(STEPS.OUTCOME, step.outcome())
                    .set(STEPS.CHILD_ID, step.childId())
                    .set(STEPS.ATTEMPT_NO, attemptNo)
                    .set(STEPS.AT, DSL.currentOffsetDateTime())
                    .set(STEPS.DURATION_MS, step.durationMs())
                    .execute();
        }
    }

    /** Marks the first {@code count} steps as answered from the journal by attempt {@code attemptNo}. */
    static void replayed(DSLContext tx, String taskId, int attemptNo, int count) {
        if (count <= 0) {
            return;
        }
        tx.update(STEPS)
                .set(STEPS.REPLAYS, STEPS.REPLAYS.plus(1))
                .set(STEPS.LAST_REPLAYED_ATTEMPT, attemptNo)
                .where(STEPS.TASK_ID.eq(taskId))
                .and(STEPS.STEP_NO.le(count))
                .and(STEPS.ATTEMPT_NO.lt(attemptNo))
                .execute();
    }

    private static StepRow toRow(StepsRecord r) {
        return new StepRow(r.getTaskId(), r.getStepNo(), r.getKind(), r.getTarget(), r.getRequest(), r.getOutcome(), r.getChildId(),
                r.getAttemptNo(), r.getAt(), r.getDurationMs(), r.getReplays(), r.getLastReplayedAttempt());
    }
}
