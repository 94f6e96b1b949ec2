package run.capsule.engine;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.AttemptRow;
import run.capsule.store.AttemptStatus;
import run.capsule.store.JournalConfig;
import run.capsule.store.QueryResult;
import run.capsule.store.StepRow;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/**
 * Durable workflows (docs/steps.md) on real worker processes, real CPython and a real H2 file (one test on a real
 * PostgreSQL shared by two running nodes): a job survives a SIGKILLed worker without repeating its side effects,
 * clock and random readings replay, divergence is caught, and a durable sleep outlives a worker restart.
 */
class DurableWorkflowTest {
    @TempDir
    Path dir;
    HttpServer server;
    final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            int n = requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            byte[] body = ("seen " + path + " " + n).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private Process startWorker(JournalConfig journal, String name, String... extra) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "run.capsule.engine.cli.CapsuleCli",
                "--db", journal.jdbcUrl(), "worker", "--runners", "2", "--lease", "3s", "--heartbeat", "1s"));
        command.addAll(List.of(extra));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File(dir.resolve(name + ".log").toString())).start();
    }

    /** Runs {@code source} to its end with one quick retry: the tasks here fail once on purpose, then replay. */
    private TaskResult runWithOneRetry(Capsule capsule, Path source) throws InterruptedException {
        return capsule.run(TaskSpec.builder(source).retryPolicy(RetryPolicy.retries(1).withBackoff(Duration.ofMillis(100), 2, Duration.ofSeconds(1)))
                .mount(MountSpec.parse(dir.resolve("state") + ":rw", dir)).build());
    }

    private static long count(CapsuleClient capsule, String sql) {
        QueryResult r = capsule.query(sql, 1);
        return ((Number) r.rows().get(0).get(0)).longValue();
    }

    private static void stop(Process worker) throws InterruptedException {
        List<ProcessHandle> runners = worker.descendants().toList();
        worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(15)).until(() -> runners.stream().noneMatch(ProcessHandle::isAlive));
    }

    /** Ten steps: children on odd steps, a request to the counting server on even ones, a second apart. */
    private Path workflow() throws Exception {
        Path source = dir.resolve("workflow.py");
        Files.writeString(source, """
                import time
                import capsule
                from capsule import task

                @task(name="step", compute="LOW", timeout="30s")
                def step(i):
                    return i * 10

                @task(name="main", timeout="300s", allowed_hosts=["127.0.0.1:%d"])
                def main(base):
                    out = []
                    for i in range(1, 11):
                        if i %% 2:
                            out.append(step(i)["result"])
                        else:
                            out.append(capsule.http.get(base + "/req/" + str(i)).text)
                        time.sleep(1)
                    return out
                """.formatted(server.getAddress().getPort()));
        return source;
    }

    private void assertRanOnceEach(CapsuleClient client, String id) {
        assertThat(requests).hasSize(5).allSatisfy((path, n) -> assertThat(n.get()).as(path).isEqualTo(1));
        List<TaskRow> children = client.children(id);
        assertThat(children).hasSize(5).allSatisfy(c -> {
            assertThat(c.status()).isEqualTo(TaskStatus.SUCCEEDED);
            assertThat(client.attempts(c.id()).stream().filter(a -> a.status() == AttemptStatus.SUCCEEDED)).hasSize(1);
        });
        List<StepRow> steps = client.steps(id);
        assertThat(steps).extracting(StepRow::stepNo).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(steps).extracting(StepRow::kind).containsExactly("child", "http", "child", "http", "child", "http", "child", "http", "child", "http");
        assertThat(steps.stream().filter(s -> s.attemptNo() == 1)).hasSizeGreaterThanOrEqualTo(5)
                .allSatisfy(s -> assertThat(s.replays()).isEqualTo(1));
        assertThat(steps.stream().filter(s -> s.attemptNo() == 2)).allSatisfy(s -> assertThat(s.replays()).isZero());
    }

    private static final String WORKFLOW_RESULT = "[10,\"seen /req/2 1\",30,\"seen /req/4 1\",50,\"seen /req/6 1\",70,"
            + "\"seen /req/8 1\",90,\"seen /req/10 1\"]";

    @Test
    void onPostgresAnotherRunningNodeResumesTheJobOfAKilledNode() throws Exception {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        Path source = workflow();
        try (io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start()) {
            JournalConfig journal = JournalConfig.of(pg.getJdbcUrl("postgres", "postgres")).withCredentials("postgres", "postgres");
            try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).cacheDir(dir.resolve("client-cache")).build())) {
                String id = client.submit(TaskSpec.builder(source).arg(base).allowHost(HostPattern.parse("127.0.0.1:" + server.getAddress().getPort()))
                        .build(), SubmitOptions.NOW).taskId();
                Map<String, Process> workers = new java.util.LinkedHashMap<>();
                workers.put("node-a", startWorker(journal, "node-a", "--node-id", "node-a"));
                workers.put("node-b", startWorker(journal, "node-b", "--node-id", "node-b"));
                try {
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                            .until(() -> count(client, "select count(*) from steps where task_id = '" + id + "'") >= 5);
                    String holder = client.task(id).orElseThrow().claimedBy();
                    assertThat(workers).containsKey(holder);
                    stop(workers.remove(holder));
                    assertThat(count(client, "select count(*) from steps where task_id = '" + id + "'")).isLessThan(10);
                    String survivor = workers.keySet().iterator().next();

                    assertThat(client.await(id, Duration.ofSeconds(180))).hasValueSatisfying(r -> {
                        assertThat(r.success()).as(String.valueOf(r.error())).isTrue();
                        assertThat(r.result().toString()).isEqualTo(WORKFLOW_RESULT);
                    });
                    assertThat(client.attempts(id)).extracting(AttemptRow::status, AttemptRow::nodeId)
                            .containsExactly(org.assertj.core.groups.Tuple.tuple(AttemptStatus.ABANDONED, holder),
                                    org.assertj.core.groups.Tuple.tuple(AttemptStatus.SUCCEEDED, survivor));
                } finally {
                    for (Process w : workers.values()) {
                        stop(w);
                    }
                }
                assertRanOnceEach(client, id);
            }
        }
    }

    @Test
    void aJobResumesAfterItsWorkerIsKilledWithoutRepeatingItsSteps() throws Exception {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        Path source = workflow();
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).build())) {
            String id = client.submit(TaskSpec.builder(source).arg(base).allowHost(HostPattern.parse("127.0.0.1:" + server.getAddress().getPort()))
                        .build(), SubmitOptions.NOW).taskId();
            Process first = startWorker(journal, "worker-1");
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                        .until(() -> count(client, "select count(*) from steps where task_id = '" + id + "'") >= 5);
            } finally {
                stop(first);
            }
            assertThat(count(client, "select count(*) from steps where task_id = '" + id + "'")).isLessThan(10);

            Process second = startWorker(journal, "worker-2");
            try {
                assertThat(client.await(id, Duration.ofSeconds(180))).hasValueSatisfying(r -> {
                    assertThat(r.success()).as(String.valueOf(r.error())).isTrue();
                    assertThat(r.result().toString()).isEqualTo(WORKFLOW_RESULT);
                });
            } finally {
                stop(second);
            }

            assertRanOnceEach(client, id);
            assertThat(client.attempts(id)).extracting(AttemptRow::status).containsExactly(AttemptStatus.ABANDONED, AttemptStatus.SUCCEEDED);
        }
    }

    @Test
    void clockAndRandomReadingsReplayAfterACrash() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Path source = dir.resolve("readings.py");
        Files.writeString(source, """
                import json, os, random, time
                from capsule import task

                @task(name="main", max_retries=1, allowed_files=["./state::/state:rw"])
                def main():
                    readings = [time.time(), random.random(), os.urandom(8).hex()]
                    print(readings)
                    if not os.path.exists("/state/first.json"):
                        with open("/state/first.json", "w") as f:
                            json.dump(readings, f)
                        raise RuntimeError("crash after the first readings")
                    return readings
                """);
        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(1).build())) {
            TaskResult result = runWithOneRetry(capsule, source);

            assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
            String first = Files.readString(dir.resolve("state/first.json"));
            assertThat(result.result().toString()).isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree(first).toString());
            List<StepRow> steps = capsule.steps(result.execution().taskId());
            assertThat(steps).extracting(StepRow::kind).contains("clock", "random");
            assertThat(steps).allSatisfy(s -> assertThat(s.replays()).isEqualTo(1));
        }
    }

    @Test
    void javaScriptClockAndMathRandomReplayOnTheNextAttempt() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Path source = dir.resolve("readings.js");
        Files.writeString(source, """
                import { task, readFile, writeFile, listDir } from "capsule";

                export const main = task({ name: "main", maxRetries: 1, allowedFiles: ["./state::/state:rw"] }, () => {
                  const readings = [Date.now(), Math.random(), Math.random()];
                  console.log(JSON.stringify(readings));
                  if (!listDir("/state").includes("first.json")) {
                    writeFile("/state/first.json", JSON.stringify(readings));
                    throw new Error("crash after the first readings");
                  }
                  return readings;
                });
                """);
        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(1).build())) {
            TaskResult result = runWithOneRetry(capsule, source);

            assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
            String first = Files.readString(dir.resolve("state/first.json"));
            assertThat(result.result().toString()).isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree(first).toString());
            assertThat(result.execution().retries()).isEqualTo(1);
            List<StepRow> steps = capsule.steps(result.execution().taskId());
            assertThat(steps).extracting(StepRow::kind).contains("clock", "random");
            assertThat(steps).allSatisfy(s -> assertThat(s.replays()).isEqualTo(1));
        }
    }

    @Test
    void childrenAwaitedAsTheyFinishReplayInTheOrderTheyFinished() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Path source = dir.resolve("as_completed.py");
        Files.writeString(source, """
                import asyncio, json, os
                from capsule import task

                @task(name="child", compute="LOW")
                async def child(i):
                    await asyncio.sleep(0.8 * (2 - i))
                    return i

                @task(name="main", max_retries=1, allowed_files=["./state::/state:rw"])
                async def main():
                    order = []
                    for finished in asyncio.as_completed([child(i) for i in range(3)]):
                        order.append((await finished)["result"])
                    if not os.path.exists("/state/first.json"):
                        with open("/state/first.json", "w") as f:
                            json.dump(order, f)
                        raise RuntimeError("crash after the children")
                    return order
                """);
        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(4).build())) {
            capsule.warmUp(4);
            TaskResult result = runWithOneRetry(capsule, source);

            assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
            String first = Files.readString(dir.resolve("state/first.json"));
            // A replay that did not follow the journal would see the adopted children finish at once, in the order they started.
            assertThat(first).as("the children finished in the order of their sleeps, not of their start").isNotEqualTo("[0, 1, 2]");
            assertThat(result.result().toString()).isEqualTo(first.replace(" ", ""));
            assertThat(result.execution().retries()).isEqualTo(1);
            assertThat(capsule.children(result.execution().taskId())).hasSize(3);
            List<StepRow> steps = capsule.steps(result.execution().taskId());
            assertThat(steps).extracting(StepRow::kind).containsSubsequence("child", "child", "child", "wait", "wait", "wait");
            assertThat(steps).allSatisfy(s -> assertThat(s.replays()).isEqualTo(1));
        }
    }

    @Test
    void aTaskThatAsksForADifferentStepOnReplayFailsWithNondeterminism() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Path source = dir.resolve("diverge.py");
        Files.writeString(source, """
                import os
                from capsule import task

                @task(name="child", compute="LOW")
                def child(x):
                    return x

                @task(name="main", max_retries=1, allowed_files=["./state::/state:rw"])
                def main():
                    first = not os.path.exists("/state/marker")
                    if first:
                        open("/state/marker", "w").close()
                    child("a" if first else "b")
                    if first:
                        raise RuntimeError("crash after the first child")
                    return "done"
                """);
        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(1).build())) {
            TaskResult result = runWithOneRetry(capsule, source);

            assertThat(result.success()).isFalse();
            assertThat(result.error().errorType()).isEqualTo("nondeterminism");
            assertThat(result.error().message()).contains("\"a\"").contains("\"b\"").contains("child");
            assertThat(capsule.children(result.execution().taskId())).hasSize(1);
        }
    }

    @Test
    void aDurableSleepOutlivesAWorkerRestartAndResumesOnce() throws Exception {
        Path source = dir.resolve("sleeper.py");
        Files.writeString(source, """
                import capsule
                from capsule import task

                @task(name="main", timeout="60s")
                def main():
                    capsule.sleep(4)
                    return "woke"
                """);
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).build())) {
            String id = client.submit(TaskSpec.builder(source).build(), SubmitOptions.NOW).taskId();
            Process first = startWorker(journal, "sleep-1", "--suspend-after", "1s");
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> client.attempts(id).stream().anyMatch(a -> a.status() == AttemptStatus.SUSPENDED));
                assertThat(client.task(id).orElseThrow().status()).isEqualTo(TaskStatus.RETRY_WAIT);
            } finally {
                stop(first);
            }
            Process second = startWorker(journal, "sleep-2", "--suspend-after", "1s");
            try {
                assertThat(client.await(id, Duration.ofSeconds(60))).hasValueSatisfying(r -> assertThat(r.result().asText()).isEqualTo("woke"));
            } finally {
                stop(second);
            }
            assertThat(client.attempts(id)).extracting(AttemptRow::status).containsExactly(AttemptStatus.SUSPENDED, AttemptStatus.SUCCEEDED);
            assertThat(client.steps(id)).singleElement().satisfies(s -> {
                assertThat(s.kind()).isEqualTo("sleep");
                assertThat(s.replays()).isEqualTo(1);
            });
        }
    }
}
