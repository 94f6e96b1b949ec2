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
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;

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

    private static long count(CapsuleClient capsule, String sql) {
        QueryResult r = capsule.query(sql, 1);
        return ((Number) r.rows().get(0).get(0)).longValue();
    }

    @Test
    void aSigkilledWorkerLosesNothing() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).build())) {
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

    /**
     * Issue 15's group commit: quick tasks end all the time, so the worker's group-commit writer is mid-transaction most of
     * the time; the worker is SIGKILLed three times during the drain. A task seen SUCCEEDED before a kill stays so with its
     * one attempt; none is completed twice; every task ends SUCCEEDED.
     */
    @Test
    void sigkillsDuringGroupCommitsLoseNoAcknowledgedEndAndCompleteNoneTwice() throws Exception {
        int tasks = 300;
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).build())) {
            List<String> ids = client.submitAll(java.util.Collections.nCopies(tasks,
                    TaskSpec.builder(TestModules.sample("hello/hello.wasm")).arg("kill").build()), SubmitOptions.NOW);
            assertThat(ids).hasSize(tasks).doesNotHaveDuplicates();
            java.util.Map<String, Long> acknowledged = new java.util.HashMap<>();
            for (int kill = 1; kill <= 3; kill++) {
                Process worker = startWorker(journal, "worker-group-" + kill);
                List<ProcessHandle> runners;
                long target = count(client, "select count(*) from tasks where status = 'SUCCEEDED'") + tasks / 6;
                try {
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(2))
                            .until(() -> count(client, "select count(*) from tasks where status = 'SUCCEEDED'") >= target);
                    runners = worker.descendants().toList();
                    worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                } finally {
                    worker.destroyForcibly();
                }
                await().atMost(Duration.ofSeconds(15)).until(() -> runners.stream().noneMatch(ProcessHandle::isAlive));
                for (var row : client.query("select id, attempts from tasks where status = 'SUCCEEDED'", tasks).rows()) {
                    acknowledged.putIfAbsent((String) row.get(0), ((Number) row.get(1)).longValue());
                }
            }
            Process last = startWorker(journal, "worker-group-last");
            try {
                await().atMost(Duration.ofSeconds(180)).until(() ->
                        count(client, "select count(*) from tasks where status = 'SUCCEEDED'") == tasks);
            } finally {
                last.destroy();
                last.waitFor(30, TimeUnit.SECONDS);
                last.destroyForcibly();
            }
            assertThat(acknowledged).isNotEmpty();
            for (var entry : acknowledged.entrySet()) {
                assertThat(client.task(entry.getKey()).orElseThrow().attempts()).as("attempts of %s", entry.getKey())
                        .isEqualTo(entry.getValue().intValue());
            }
            assertThat(count(client, "select count(*) from (select task_id from attempts where status = 'SUCCEEDED' group by task_id having count(*) <> 1) x")).isZero();
            assertThat(count(client, "select count(*) from task_events where to_status = 'SUCCEEDED'")).isEqualTo(tasks);
            assertThat(count(client, "select count(*) from attempts where status = 'RUNNING'")).isZero();
            assertThat(count(client, "select count(*) from attempts where status not in ('SUCCEEDED', 'ABANDONED')")).isZero();
        }
    }

    @Test
    void sigtermHandsBackWhatCannotFinishAndExits() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).build())) {
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

    @Test
    void everyCommandWorksBesideARunningWorker() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        Process worker = startWorker(journal, "worker-cli");
        try {
            java.util.function.Function<String[], String[]> cli = args -> {
                var out = new java.io.ByteArrayOutputStream();
                var err = new java.io.ByteArrayOutputStream();
                int code = new run.capsule.engine.cli.CapsuleCli(dir, java.util.Map.of(), new java.io.PrintStream(out, true),
                        new java.io.PrintStream(err, true)).execute(args);
                return new String[]{Integer.toString(code), out.toString().strip(), err.toString().strip()};
            };
            String hello = TestModules.sample("hello/hello.wasm").toString();
            await().atMost(Duration.ofSeconds(30)).until(() -> dir.resolve(".capsule").resolve("journal.mv.db").toFile().exists());

            String[] ran = cli.apply(new String[]{"run", hello, "Beside"});
            assertThat(ran[0]).isEqualTo("0");
            assertThat(ran[1]).isEqualTo("Hello, Beside!");
            String id = cli.apply(new String[]{"submit", hello, "Queued"})[1];
            String[] waited = cli.apply(new String[]{"wait", id, "--timeout", "60s"});
            assertThat(waited[0]).isEqualTo("0");
            assertThat(waited[1]).isEqualTo("Hello, Queued!");
            assertThat(cli.apply(new String[]{"status", id})[1]).contains("SUCCEEDED");
            String slow = cli.apply(new String[]{"submit", "--timeout", "5m", TestModules.wasm("loop.wasm").toString()})[1];
            await().atMost(Duration.ofSeconds(30)).until(() -> cli.apply(new String[]{"status", slow})[1].contains("RUNNING"));
            assertThat(cli.apply(new String[]{"cancel", slow})[0]).isEqualTo("0");
            await().atMost(Duration.ofSeconds(30)).until(() -> cli.apply(new String[]{"status", slow})[1].contains("CANCELLED"));
            assertThat(cli.apply(new String[]{"history", id})[1]).contains("claimed by").contains("succeeded");
            assertThat(cli.apply(new String[]{"sql", "select count(*) as n from tasks where status = 'SUCCEEDED'", "--json"})[1])
                    .isEqualTo("[{\"n\":2}]");
        } finally {
            worker.destroyForcibly();
        }
    }
}
