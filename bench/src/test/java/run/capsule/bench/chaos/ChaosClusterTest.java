package run.capsule.bench.chaos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.bench.ChaosCluster;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short chaos run (about two to three minutes): three worker processes on an embedded PostgreSQL, a few hundred
 * mixed tasks and a cron schedule, and at least one node SIGKILL, one SIGSTOP past the lease, runner kills and one
 * database restart while they run; every invariant of {@link JournalChecks} and {@link CronTicks} must hold. The seed is
 * printed; {@code -Dchaos.seed=N} repeats a run. The full version is bench/chaos.sh.
 */
class ChaosClusterTest {
    @TempDir
    Path work;

    @Test
    void aClusterSurvivesKillsPausesRunnerKillsAndADatabaseRestart() throws Exception {
        long seed = Long.getLong("chaos.seed", System.currentTimeMillis());
        ChaosReport report = new ChaosRun(ChaosSettings.quick(seed), work, ChaosCluster.helloModule(), System.out).run();
        report.print(System.out);

        assertThat(report.count(ChaosMonkey.Event.KILL_NODE)).as("node kills").isGreaterThanOrEqualTo(1);
        assertThat(report.count(ChaosMonkey.Event.PAUSE_NODE)).as("pauses").isGreaterThanOrEqualTo(1);
        assertThat(report.count(ChaosMonkey.Event.KILL_RUNNER)).as("runner kills").isGreaterThanOrEqualTo(1);
        assertThat(report.count(ChaosMonkey.Event.RESTART_DATABASE)).as("database restarts").isEqualTo(1);
        assertThat(report.violations()).as("violations (seed " + seed + ")").isEmpty();
    }
}
