package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.cli.CliProcess;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.AttemptRow;
import run.capsule.store.AttemptStatus;
import run.capsule.store.JournalConfig;
import run.capsule.store.NodeStatus;
import run.capsule.store.TaskStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 16, item 2: a real `capsule worker` process is paused (SIGSTOP) past its lease while it runs two attempts;
 * another node recovers and finishes both. Resumed (SIGCONT), the paused node finds it was declared lost: the result
 * of the attempt that ended during the pause is refused, the runner of the one still running is killed, and it joins
 * again. Each task ends with exactly one SUCCEEDED attempt, the survivor's. Before the fix its heartbeat silently set it
 * ALIVE again and the runner ran on.
 */
class PausedNodeTest {
    private static final String PAUSED = "paused-node";

    @TempDir
    Path dir;

    private Process startWorker(JournalConfig journal) throws Exception {
        return CliProcess.start(dir.resolve("paused.log"), "--db", journal.jdbcUrl(), "worker", "--node-id", PAUSED, "--runners", "2",
                "--lease", "2s", "--heartbeat", "300ms");
    }

    private static void signal(Process process, String signal) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor()).isZero();
    }

    private static TaskSpec sleeping(int seconds) {
        return TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("sleep", Integer.toString(seconds)))
                .limits(Limits.builder().timeout(Duration.ofSeconds(60)).build()).build();
    }

    @Test
    void aPausedNodeComesBackFencedAndStopsTheAttemptsItLost() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        // this JVM opens the journal first, so it serves the H2 file: pausing the worker does not pause the database
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).nodeId("client").build())) {
            String quick = client.submit(sleeping(3), SubmitOptions.NOW).taskId();
            String slow = client.submit(sleeping(20), SubmitOptions.NOW).taskId();
            Process paused = startWorker(journal);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> client.attempts(quick).size() == 1 && client.attempts(slow).size() == 1
                        && paused.descendants().count() >= 2);
                Thread.sleep(1000);
                List<ProcessHandle> pausedRunners = paused.descendants().toList();
                signal(paused, "STOP");

                try (Capsule survivor = Capsule.open(CapsuleOptions.builder().journal(journal).nodeId("survivor").runners(2)
                        .heartbeatInterval(Duration.ofMillis(300)).lease(Duration.ofSeconds(2)).build());
                     Worker worker = survivor.startWorker(WorkerOptions.DEFAULT.withPollInterval(Duration.ofMillis(100)))) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> runningOn(client, quick, "survivor") && runningOn(client, slow, "survivor"));
                    assertThat(client.node(PAUSED).orElseThrow().status()).isEqualTo(NodeStatus.LOST);
                    Thread.sleep(1500); // the quick attempt on the paused node has ended by now; its result waits in the pipe
                    signal(paused, "CONT");

                    // the slow guest sleeps 20 s: its runner is killed within moments, not left to finish (the quick one's
                    // runner may live on, idle, unless the heartbeat stopped its attempt before its result was read)
                    await().atMost(Duration.ofSeconds(5)).until(() -> pausedRunners.stream().filter(ProcessHandle::isAlive).count() <= 1);
                    assertThat(log()).containsPattern("node " + PAUSED + " was declared LOST .*; stopped [12] attempt\\(s\\)");
                    await().atMost(Duration.ofSeconds(5)).until(() -> log().contains("result of attempt 1 of task " + slow + " discarded")
                            && log().contains("result of attempt 1 of task " + quick + " discarded"));
                    assertThat(client.attempts(slow).get(1).status()).isEqualTo(AttemptStatus.RUNNING);
                    await().atMost(Duration.ofSeconds(5)).until(() -> client.node(PAUSED).orElseThrow().status() == NodeStatus.ALIVE);

                    for (String id : List.of(quick, slow)) {
                        assertThat(client.await(id, Duration.ofSeconds(60))).hasValueSatisfying(r -> assertThat(r.success()).isTrue());
                        List<AttemptRow> attempts = client.attempts(id);
                        assertThat(attempts).extracting(AttemptRow::status).containsExactly(AttemptStatus.ABANDONED, AttemptStatus.SUCCEEDED);
                        assertThat(attempts).extracting(AttemptRow::nodeId).containsExactly(PAUSED, "survivor");
                        assertThat(client.task(id).orElseThrow().status()).isEqualTo(TaskStatus.SUCCEEDED);
                    }
                }
            } finally {
                signal(paused, "CONT");
                paused.destroy();
                paused.waitFor(30, TimeUnit.SECONDS);
                paused.destroyForcibly();
            }
        }
    }

    private static boolean runningOn(CapsuleClient client, String taskId, String node) {
        List<AttemptRow> attempts = client.attempts(taskId);
        return attempts.size() == 2 && attempts.get(1).status() == AttemptStatus.RUNNING && node.equals(attempts.get(1).nodeId());
    }

    private String log() throws Exception {
        return Files.readString(dir.resolve("paused.log"));
    }
}
