package run.capsule.bench.chaos;

import java.time.Duration;

/**
 * One chaos run: how many tasks, nodes and runners, the lease, and how many of each event to inflict while the tasks
 * run (each at a moment drawn from {@code seed}); {@code deadline}: how long the tasks may take to end after the last submit.
 */
public record ChaosSettings(int tasks, int nodes, int runnersPerNode, Duration lease, Duration heartbeat, long seed, int nodeKills,
                     int pauses, int runnerKills, Duration chaosWindow, Duration deadline) {

    /** The CI version: a few hundred tasks, at least one of each event, about two minutes. */
    public static ChaosSettings quick(long seed) {
        return new ChaosSettings(240, 3, 2, Duration.ofSeconds(4), Duration.ofSeconds(1), seed, 1, 1, 3, Duration.ofSeconds(45),
                Duration.ofMinutes(3));
    }

    /** The full version ({@code bench/chaos.sh}): 10,000 tasks and events spread over the time they take. */
    public static ChaosSettings full(long seed, int tasks) {
        int minutes = Math.max(2, tasks / 1000);
        return new ChaosSettings(tasks, 3, 2, Duration.ofSeconds(5), Duration.ofSeconds(1), seed, 3 * minutes / 2, minutes, 4 * minutes,
                Duration.ofMinutes(minutes), Duration.ofMinutes(30));
    }

    /** How long a paused node stays stopped: past its lease, so that its attempts are taken over meanwhile. */
    Duration pauseLength() {
        return lease.multipliedBy(2);
    }
}
