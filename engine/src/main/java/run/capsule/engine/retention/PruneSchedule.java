package run.capsule.engine.retention;

import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.store.PruneReport;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;

/**
 * A node's periodic prune as its operator asked for it ({@code --prune-finished-before AGE [--prune-keep-failed]
 * [--prune-every D]} of worker, serve and mcp, or serve's {@code capsule.toml} keys): what to prune and how often.
 */
public record PruneSchedule(PruneRequest request, Duration every, String age, String interval) {
    public static final String DEFAULT_EVERY = "1h";

    /** Empty when no age is given, or {@code off}; the texts are the flags' (or the config keys') values, each may be null. */
    public static Optional<PruneSchedule> parse(String finishedBefore, boolean keepFailed, String every) {
        if (finishedBefore != null && finishedBefore.strip().equalsIgnoreCase("off")) {
            return Optional.empty();
        }
        if (finishedBefore == null) {
            if (keepFailed || every != null) {
                throw new InvalidInputException("--prune-keep-failed and --prune-every need --prune-finished-before AGE");
            }
            return Optional.empty();
        }
        Duration age = Durations.parse("--prune-finished-before", finishedBefore);
        String interval = every == null ? DEFAULT_EVERY : every;
        Duration period = Durations.parse("--prune-every", interval);
        if (period.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new InvalidInputException("invalid --prune-every value '" + interval + "': use at least 1s");
        }
        return Optional.of(new PruneSchedule(PruneRequest.olderThan(age).withKeepFailed(keepFailed), period, finishedBefore, interval));
    }

    /** For a node's start line: {@code pruning trees finished more than 30d ago every 1h}. */
    public String describe() {
        return "pruning trees finished more than " + age + " ago every " + interval + (request.keepFailed() ? ", keeping failed ones" : "");
    }

    /** Starts the periodic prune on {@code prune}, the node's (a request and a stop signal in, a report out). */
    public PeriodicPrune start(BiFunction<PruneRequest, BooleanSupplier, PruneReport> prune) {
        return PeriodicPrune.start(request, every, prune);
    }
}
