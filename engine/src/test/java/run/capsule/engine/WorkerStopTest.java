package run.capsule.engine;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.JournalConfig;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12, item 8d. Reproduction: {@code capsule worker}, stopped with SIGTERM, logged "WARN NodeMaintenance - heartbeat
 * failed: Error closing connection" and "WARN Capsule - closing: Error closing connection", and never marked its node
 * STOPPED: H2's own shutdown hook closed the journal while the worker's hook was still using it.
 */
class WorkerStopTest {
    @TempDir
    Path dir;

    @RepeatedTest(3)
    void aSigtermedWorkerStopsQuietlyAndMarksItsNodeStopped() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        Path log = dir.resolve("worker.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process worker = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), "run.capsule.engine.cli.CapsuleCli",
                "--db", journal.jdbcUrl(), "worker", "--runners", "1", "--node-id", "stopping-node", "--heartbeat", "200ms"))
                .redirectErrorStream(true).redirectOutput(new File(log.toString())).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("started with 1 runner(s)"));
            // a few heartbeats, so one may be in flight at the signal
            await().pollDelay(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2)).until(worker::isAlive);
            worker.destroy();
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            worker.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(output).contains("stopping").doesNotContain("WARN").doesNotContain("ERROR").doesNotContain("Exception");
        assertThat(worker.exitValue()).as(output).isZero();
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).build())) {
            assertThat(client.query("select status from nodes where id = 'stopping-node'", 1).rows())
                    .singleElement().satisfies(row -> assertThat(row.get(0)).isEqualTo("STOPPED"));
        }
    }
}
