package run.capsule.runner.protocol;

import java.util.List;

/**
 * What an attempt of a journaled task brings along (docs/steps.md): the steps earlier attempts journaled, to be
 * answered from the journal in order (replay); whether new steps are journaled at all; and how long a
 * {@code sleep} may block before it ends the attempt as suspended (0: never suspend).
 */
public record Durability(List<StepRecord> steps, boolean journalSteps, long suspendAfterMs) {
    public static final Durability NONE = new Durability(List.of(), false, 0);

    public Durability {
        steps = steps == null ? List.of() : List.copyOf(steps);
    }
}
