package run.capsule.protocol;

import java.util.List;

/**
 * What an attempt of a journaled task brings along (docs/steps.md): the steps earlier attempts journaled, to be
 * answered from the journal in order (replay); whether new steps are journaled at all; how long a {@code sleep}
 * may block before it ends the attempt as suspended (0: never suspend); and the task's step format, fixed when the
 * task was created, so that a task journaled before a new kind of step replays as it was journaled
 * ({@value #FIRST_FORMAT}, also when absent: child, http, clock, random, sleep; {@value #WAIT_STEPS}: also wait).
 * {@code maxSteps} and {@code maxStepBytes} cap the task's steps and their journaled bytes (target, request and outcome
 * as UTF-8), journaled and live together; 0 or absent means the defaults, {@value #DEFAULT_MAX_STEPS} steps and
 * 256 MiB. A step past either ends the attempt with error type {@code limit_exceeded}.
 */
public record Durability(List<StepRecord> steps, boolean journalSteps, long suspendAfterMs, int stepFormat, int maxSteps,
                         long maxStepBytes) {
    public static final int FIRST_FORMAT = 1;
    public static final int WAIT_STEPS = 2;
    public static final int CURRENT_FORMAT = WAIT_STEPS;
    public static final int DEFAULT_MAX_STEPS = 100_000;
    public static final long DEFAULT_MAX_STEP_BYTES = 256L * 1024 * 1024;
    public static final Durability NONE = new Durability(List.of(), false, 0);

    public Durability {
        steps = steps == null ? List.of() : List.copyOf(steps);
        stepFormat = stepFormat < FIRST_FORMAT ? FIRST_FORMAT : stepFormat;
        maxSteps = maxSteps <= 0 ? DEFAULT_MAX_STEPS : maxSteps;
        maxStepBytes = maxStepBytes <= 0 ? DEFAULT_MAX_STEP_BYTES : maxStepBytes;
    }

    /** With the default step caps. */
    public Durability(List<StepRecord> steps, boolean journalSteps, long suspendAfterMs, int stepFormat) {
        this(steps, journalSteps, suspendAfterMs, stepFormat, 0, 0);
    }

    /** In the current step format. */
    public Durability(List<StepRecord> steps, boolean journalSteps, long suspendAfterMs) {
        this(steps, journalSteps, suspendAfterMs, CURRENT_FORMAT);
    }
}
