package run.capsule.engine.cli;

import picocli.CommandLine.Option;
import run.capsule.engine.retention.PruneSchedule;

import java.util.Optional;

/** The periodic-prune flags of a node command ({@code worker}, {@code serve}, {@code mcp}): see {@code capsule prune}. */
public final class PruneFlags {
    @Option(names = "--prune-finished-before", paramLabel = "AGE",
            description = "Also prune, every --prune-every, the task trees finished longer ago than AGE (e.g. 30d); see capsule prune")
    String finishedBefore;

    @Option(names = "--prune-keep-failed", description = "The periodic prune keeps trees that hold a FAILED task")
    boolean keepFailed;

    @Option(names = "--prune-every", paramLabel = "DURATION", description = "Interval of the periodic prune (default 1h)")
    String every;

    /** The flags as given, or empty when no periodic prune was asked for. */
    public Optional<PruneSchedule> schedule() {
        return PruneSchedule.parse(finishedBefore, keepFailed, every);
    }

    /** As {@link #schedule()}, each flag not given taken from {@code fallback} (serve's capsule.toml). */
    public Optional<PruneSchedule> schedule(Fallback fallback) {
        return PruneSchedule.parse(finishedBefore != null ? finishedBefore : fallback.finishedBefore(),
                keepFailed || fallback.keepFailed(), every != null ? every : fallback.every());
    }

    /** Values from elsewhere than the command line; each may be null (false). */
    public record Fallback(String finishedBefore, boolean keepFailed, String every) {
    }
}
