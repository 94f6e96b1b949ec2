package run.capsule.engine.spec;

import run.capsule.protocol.Durability;

/**
 * Caps on a Python or JavaScript task's journaled steps (docs/steps.md), and how a replay's steps travel to the
 * runner. {@code maxSteps} and {@code maxStepBytes} go to the runner in the attempt's {@code durability}: a step past
 * either ends the attempt with {@code limit_exceeded}. A journaled step of at most {@code inlineStepBytes} travels
 * in the {@code run} frame while those together stay within {@code inlineBudgetBytes}; the runner fetches every
 * other one with {@code step.fetch} when the replay reaches it, so no frame ever holds a task's whole journal.
 */
public record StepLimits(int maxSteps, long maxStepBytes, long inlineStepBytes, long inlineBudgetBytes) {
    public static final StepLimits DEFAULTS = new StepLimits(Durability.DEFAULT_MAX_STEPS, Durability.DEFAULT_MAX_STEP_BYTES,
            256 * 1024, 16L * 1024 * 1024);
    /** What each step adds to the {@code run} frame besides its text (field names, numbers): counted in the inline budget. */
    public static final long STEP_OVERHEAD_BYTES = 128;
    /** A replay's {@code run} frame holds about 120 bytes for each step held back: 500,000 of them stay well within 64 MiB. */
    public static final int MAX_MAX_STEPS = 500_000;

    public StepLimits {
        if (maxSteps < 1 || maxStepBytes < 1 || inlineStepBytes < 0 || inlineBudgetBytes < 0) {
            throw new InvalidInputException("step limits must be positive (maxSteps " + maxSteps + ", maxStepBytes " + maxStepBytes + ")");
        }
        if (maxSteps > MAX_MAX_STEPS) {
            throw new InvalidInputException("maxSteps must be at most " + MAX_MAX_STEPS + ", got " + maxSteps
                    + " (a replay sends a record of every step in one frame)");
        }
    }

    public StepLimits withMaxSteps(int n) {
        return new StepLimits(n, maxStepBytes, inlineStepBytes, inlineBudgetBytes);
    }

    public StepLimits withMaxStepBytes(long bytes) {
        return new StepLimits(maxSteps, bytes, inlineStepBytes, inlineBudgetBytes);
    }

    /** How much of a replay's journal travels with the attempt; the rest is fetched step by step. */
    public StepLimits withInline(long stepBytes, long budgetBytes) {
        return new StepLimits(maxSteps, maxStepBytes, stepBytes, budgetBytes);
    }
}
