package run.capsule.store;

import org.jooq.DSLContext;

import java.util.List;

import static run.capsule.store.jooq.Tables.ATTEMPT_OUTPUT;

/** The guest's stdout and stderr of each attempt ({@code attempt_output}), written when the attempt finishes. */
public final class AttemptOutputs {
    private final DSLContext dsl;

    AttemptOutputs(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** One attempt's output as kept. */
    public record Row(int attemptNo, AttemptOutput output) {
    }

    static void insert(DSLContext tx, String taskId, int attemptNo, AttemptOutput output) {
        if (output == null || output.isEmpty()) {
            return;
        }
        tx.insertInto(ATTEMPT_OUTPUT)
                .set(ATTEMPT_OUTPUT.TASK_ID, taskId)
                .set(ATTEMPT_OUTPUT.ATTEMPT_NO, attemptNo)
                .set(ATTEMPT_OUTPUT.STDOUT, output.stdout())
                .set(ATTEMPT_OUTPUT.STDOUT_TRUNCATED, output.stdoutTruncated())
                .set(ATTEMPT_OUTPUT.STDERR, output.stderr())
                .set(ATTEMPT_OUTPUT.STDERR_TRUNCATED, output.stderrTruncated())
                .execute();
    }

    /** The kept output of a task's attempts, in attempt order (attempts with no output have no row). */
    public List<Row> of(String taskId) {
        return dsl.selectFrom(ATTEMPT_OUTPUT).where(ATTEMPT_OUTPUT.TASK_ID.eq(taskId)).orderBy(ATTEMPT_OUTPUT.ATTEMPT_NO)
                .fetch(r -> new Row(r.getAttemptNo(), new AttemptOutput(r.getStdout(), Boolean.TRUE.equals(r.getStdoutTruncated()),
                        r.getStderr(), Boolean.TRUE.equals(r.getStderrTruncated()))));
    }
}
