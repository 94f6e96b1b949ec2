package run.capsule.bench.chaos;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What a chaos run proved or broke, printed as a summary table; {@link #passed()} when nothing was violated. */
public record ChaosReport(ChaosSettings settings, Map<TaskKind, int[]> tally, Map<ChaosMonkey.Event, Integer> events, List<ChaosMonkey.Done> timeline,
                          CronTicks.Report cron, Map<String, Map<String, Integer>> nodeLogs, Map<String, Long> totals, int submitRetries,
                          Duration elapsed, List<String> violations) {

    public boolean passed() {
        return violations.isEmpty();
    }

    public int count(ChaosMonkey.Event event) {
        return events.getOrDefault(event, 0);
    }

    public void print(PrintStream out) {
        out.printf("%nchaos run, seed %d: %d tasks on %d nodes x %d runners, lease %d ms, %.0f s%n", settings.seed(), settings.tasks(),
                settings.nodes(), settings.runnersPerNode(), settings.lease().toMillis(), elapsed.toMillis() / 1000.0);
        out.println("\nevents");
        for (ChaosMonkey.Done d : timeline) {
            out.printf("  %s  %-16s %s%n", d.at(), d.event(), d.detail());
        }
        out.printf("%n%-8s %9s %9s %9s  %s%n", "kind", "submitted", "as meant", "not", "expected end");
        tally.forEach((kind, n) -> out.printf("%-8s %9d %9d %9d  %s%n", kind, n[0], n[1], n[2], kind.expected));
        out.println();
        totals.forEach((name, n) -> out.printf("%-44s %9d%n", name, n));
        out.printf("%-44s %9d%n", "submits retried (database down)", submitRetries);
        out.printf("%-44s %9d on the grid, %d misfire firings, %d ticks excused by them, %d missing, %d not succeeded%n",
                "cron ticks (" + CronTicks.CRON + ")", cron.onGrid(), cron.misfired(), cron.excused(), cron.missing().size(), cron.notSucceeded());
        out.println("\nnode logs");
        out.printf("  %-14s", "node");
        NodeLogs.SIGNS.keySet().forEach(k -> out.printf(" %18s", k));
        out.println();
        nodeLogs.forEach((node, counts) -> {
            out.printf("  %-14s", node);
            counts.values().forEach(v -> out.printf(" %18d", v));
            out.println();
        });
        out.printf("%nsurvived: %d node kill(s), %d pause(s) past the lease, %d runner kill(s), %d PostgreSQL restart(s)%n",
                count(ChaosMonkey.Event.KILL_NODE), count(ChaosMonkey.Event.PAUSE_NODE), count(ChaosMonkey.Event.KILL_RUNNER),
                count(ChaosMonkey.Event.RESTART_DATABASE));
        if (passed()) {
            out.println("PASSED: no violation");
        } else {
            out.println("FAILED: " + violations.size() + " violation(s)");
            violations.stream().limit(50).forEach(v -> out.println("  " + v));
        }
    }
}
