package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import run.capsule.store.jooq.tables.records.StepsRecord;

import java.util.List;

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

    public void record(String taskId, int attemptNo, List<NewStep> steps) {
        if (steps.isEmpty()) {
            return;
        }
        dsl.transaction(cfg -> insert(DSL.using(cfg), taskId, attemptNo, steps));
    }

    static void insert(DSLContext tx, String taskId, int attemptNo, List<NewStep> steps) {
        for (NewStep step : steps) {
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
