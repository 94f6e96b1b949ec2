package run.capsule.engine.cli;

import picocli.CommandLine.Option;
import run.capsule.engine.retention.PruneSchedule;
import run.capsule.engine.spec.InvalidInputException;

import java.util.Optional;

/** The periodic-prune flags of a node command ({@code worker}, {@code serve}, {@code mcp}): see {@code capsule prune}. */
public final class PruneFlags {
    @Option(names = "--prune-finished-before", paramLabel = "AGE",
            description = "Also prune, every --prune-every, the task trees finished longer ago than AGE (e.g. 30d; off: no periodic prune); see capsule prune")
    String finishedBefore;

    @Option(names = "--prune-keep-failed", negatable = true, description = "The periodic prune keeps trees that hold a FAILED task")
    Boolean keepFailed;

    @Option(names = "--prune-every", paramLabel = "DURATION", description = "Interval of the periodic prune (default 1h)")
    String every;

    /** The flags as given, or empty when no periodic prune was asked for. */
    public Optional<PruneSchedule> schedule() {
        return schedule(new Fallback(null, false, null));
    }

    /** As {@link #schedule()}, each flag not given taken from {@code fallback} (serve's capsule.toml). */
    public Optional<PruneSchedule> schedule(Fallback fallback) {
        try {
            return PruneSchedule.parse(finishedBefore != null ? finishedBefore : fallback.finishedBefore(),
                    keepFailed != null ? keepFailed : fallback.keepFailed(), every != null ? every : fallback.every());
        } catch (InvalidInputException e) {
            boolean fromFile = (finishedBefore == null && fallback.finishedBefore() != null) || (keepFailed == null && fallback.keepFailed())
                    || (every == null && fallback.every() != null);
            throw fromFile ? new InvalidInputException(e.getMessage() + " (with capsule.toml's [serve] prune_* keys)") : e;
        }
    }

    /** Values from elsewhere than the command line; each may be null (false). */
    public record Fallback(String finishedBefore, boolean keepFailed, String every) {
    }
}
