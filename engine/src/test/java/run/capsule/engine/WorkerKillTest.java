package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.JournalConfig;
import run.capsule.store.QueryResult;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real `capsule worker` process is SIGKILLed mid-run; a new one finishes the work and nothing is lost. */
class WorkerKillTest {
    private static final int TASKS = 200;

    @TempDir
    Path dir;

    private Process startWorker(JournalConfig journal, String name, String... extra) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "run.capsule.engine.cli.CapsuleCli",
                "--db", journal.jdbcUrl(), "worker", "--runners", "2", "--lease", "3s", "--heartbeat", "1s"));
        command.addAll(List.of(extra));
        return new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(new File(dir.resolve(name + ".log").toString())).start();
    }

    private static long count(Capsule capsule, String sql) {
        QueryResult r = capsule.query(sql, 1);
        return ((Number) r.rows().get(0).get(0)).longValue();
    }

    @Test
    void aSigkilledWorkerLosesNothing() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        try (Capsule client = Capsule.openClient(CapsuleOptions.builder().journal(journal).build())) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                ids.add(client.submit(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("stderr", "2")).build(),
                        SubmitOptions.NOW).taskId());
            }
            Process first = startWorker(journal, "worker-1");
            List<ProcessHandle> firstRunners;
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> count(client, "select count(*) from tasks where status = 'SUCCEEDED'") >= TASKS / 4);
                // kill while both runners hold an attempt, so there is work in flight to lose
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                        .until(() -> count(client, "select count(*) from tasks where status = 'RUNNING'") == 2);
                firstRunners = first.descendants().toList();
                first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } finally {
                first.destroyForcibly();
            }
            long runningAtKill = count(client, "select count(*) from tasks where status = 'RUNNING'");
            await().atMost(Duration.ofSeconds(15)).until(() -> firstRunners.stream().noneMatch(ProcessHandle::isAlive));

            Process second = startWorker(journal, "worker-2");
            try {
                await().atMost(Duration.ofSeconds(120)).until(() ->
                        count(client, "select count(*) from tasks where status in ('SUCCEEDED', 'FAILED', 'CANCELLED')") == TASKS);
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
                second.destroyForcibly();
            }

            assertThat(count(client, "select count(*) from tasks where status = 'SUCCEEDED'")).isEqualTo(TASKS);
            assertThat(count(client, "select count(*) from tasks where status in ('RUNNING', 'PENDING', 'RETRY_WAIT')")).isZero();
            assertThat(count(client, "select count(*) from (select task_id from attempts where status = 'SUCCEEDED' group by task_id having count(*) <> 1) x")).isZero();
            assertThat(count(client, "select count(distinct task_id) from attempts where status = 'SUCCEEDED'")).isEqualTo(TASKS);
            assertThat(runningAtKill).isPositive();
            assertThat(count(client, "select count(*) from attempts where status = 'ABANDONED'")).isEqualTo(runningAtKill);
            assertThat(count(client, "select count(*) from task_events where reason like 'abandoned: node % lost%'")).isEqualTo(runningAtKill);
            assertThat(count(client, "select count(*) from attempts where status = 'RUNNING'")).isZero();
            assertThat(count(client, "select count(*) from tasks where recoveries > 0")).isEqualTo(runningAtKill);
            assertThat(count(client, "select count(*) from attempts where status = 'FAILED'")).isZero();
        }
    }

    @Test
    void sigtermHandsBackWhatCannotFinishAndExits() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        try (Capsule client = Capsule.openClient(CapsuleOptions.builder().journal(journal).build())) {
            String quick = client.submit(TaskSpec.builder(TestModules.sample("hello/hello.wasm")).build(), SubmitOptions.NOW).taskId();
            Process worker = startWorker(journal, "worker-term", "--drain-timeout", "1s");
            try {
                assertThat(client.await(quick, Duration.ofSeconds(60))).hasValueSatisfying(r -> assertThat(r.success()).isTrue());
                String slow = client.submit(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("stderr", "100")).build(),
                        SubmitOptions.NOW).taskId();
                await().atMost(Duration.ofSeconds(30)).until(() -> client.task(slow).orElseThrow().status() == run.capsule.store.TaskStatus.RUNNING);
                worker.destroy();
                assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();

                assertThat(client.task(slow).orElseThrow().status()).isEqualTo(run.capsule.store.TaskStatus.PENDING);
                assertThat(client.attempts(slow)).singleElement().satisfies(a -> {
                    assertThat(a.status()).isEqualTo(run.capsule.store.AttemptStatus.ABANDONED);
                    assertThat(a.errorMessage()).contains("stopping");
                });
                assertThat(client.task(slow).orElseThrow().recoveries()).isZero();
                assertThat(count(client, "select count(*) from nodes where status = 'STOPPED'")).isEqualTo(1);
            } finally {
                worker.destroyForcibly();
            }
        }
    }
}
