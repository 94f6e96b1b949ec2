package run.capsule.engine;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.StepRow;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.StepLimits;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/**
 * Red-team finding 5 (issue #11): a durable task's steps were neither capped nor bounded. A million
 * {@code time.time()} calls ran the runner out of heap, and a task whose journaled steps outgrew the 64 MiB frame
 * could never be retried or resumed. Real runners, real CPython, a real H2 file and a loopback HTTP server.
 */
class StepLimitsTest {
    @TempDir
    Path dir;
    HttpServer server;
    final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    /** {@code /bytes/N/...}: N pseudo-random letters, the same for the same path. */
    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/bytes/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            int size = Integer.parseInt(path.split("/")[2]);
            Random random = new Random(path.hashCode());
            byte[] body = new byte[size];
            for (int i = 0; i < size; i++) {
                body[i] = (byte) ('a' + random.nextInt(26));
            }
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

    private Capsule open(StepLimits limits) {
        return Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(1)
                .stepLimits(limits).build());
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The operator's grants these sources declare: the loopback server, and the state directory where there is one. */
    private TaskSpec.Builder granted(Path source) {
        TaskSpec.Builder spec = TaskSpec.builder(source).allowHost(HostPattern.parse("127.0.0.1:" + server.getAddress().getPort()));
        if (java.nio.file.Files.isDirectory(dir.resolve("state"))) {
            spec.mount(MountSpec.parse(dir.resolve("state") + ":rw", dir));
        }
        return spec;
    }

    private TaskResult runWithOneRetry(Capsule capsule, Path source, String... args) throws InterruptedException {
        TaskSpec.Builder spec = granted(source).retryPolicy(RetryPolicy.retries(1).withBackoff(Duration.ofMillis(100), 2, Duration.ofSeconds(1)));
        for (String arg : args) {
            spec.arg(arg);
        }
        return capsule.run(spec.build());
    }

    @Test
    void aTaskPastItsStepLimitFailsWithLimitExceededOnceAndTheRunnerLivesOn() throws Exception {
        Path source = dir.resolve("clock.py");
        Files.writeString(source, """
                import time
                from capsule import task

                @task(name="main", max_retries=2)
                def main(n):
                    t = 0
                    for _ in range(int(n)):
                        t = time.time()
                    return int(n)
                """);
        try (Capsule capsule = open(StepLimits.DEFAULTS.withMaxSteps(2000))) {
            TaskResult small = capsule.run(TaskSpec.builder(source).arg("10").build());
            assertThat(small.success()).as(String.valueOf(small.error())).isTrue();
            List<Long> runners = capsule.runnerPids();

            TaskResult result = capsule.run(TaskSpec.builder(source).arg("5000").build());

            assertThat(result.success()).isFalse();
            assertThat(result.error().errorType()).isEqualTo("limit_exceeded");
            assertThat(result.error().message()).contains("step 2001", "step limit (maxSteps) of 2000 steps");
            String id = result.execution().taskId();
            assertThat(capsule.attempts(id)).hasSize(1);
            List<StepRow> steps = capsule.steps(id);
            assertThat(steps).hasSize(2000).allSatisfy(s -> assertThat(s.kind()).isEqualTo("clock"));
            assertThat(steps).extracting(StepRow::stepNo).isEqualTo(java.util.stream.IntStream.rangeClosed(1, 2000).boxed().toList());
            assertThat(capsule.runnerPids()).isEqualTo(runners);
            TaskResult after = capsule.run(TaskSpec.builder(source).arg("10").build());
            assertThat(after.success()).as(String.valueOf(after.error())).isTrue();
            assertThat(capsule.runnerPids()).isEqualTo(runners);
        }
    }

    @Test
    void aStepPastTheByteLimitIsNotJournaledAndFailsWithLimitExceeded() throws Exception {
        Path source = dir.resolve("fetch.py");
        Files.writeString(source, """
                import capsule
                from capsule import task

                @task(name="main", allowed_hosts=["127.0.0.1:%d"])
                def main(base):
                    for i in range(5):
                        capsule.http.get(base + "/bytes/1000000/" + str(i))
                    return "done"
                """.formatted(server.getAddress().getPort()));
        try (Capsule capsule = open(StepLimits.DEFAULTS.withMaxStepBytes(2_500_000))) {
            TaskResult result = capsule.run(granted(source).arg(base()).build());

            assertThat(result.success()).isFalse();
            assertThat(result.error().errorType()).isEqualTo("limit_exceeded");
            assertThat(result.error().message()).contains("step 3 (http", "over its limit (maxStepBytes) of 2500000 bytes");
            assertThat(capsule.steps(result.execution().taskId())).extracting(StepRow::stepNo).containsExactly(1, 2);
            assertThat(requests).containsOnlyKeys("/bytes/1000000/0", "/bytes/1000000/1", "/bytes/1000000/2");
        }
    }

    /** Fails once after all its requests (leaving a mark in /state), then its retry replays them and returns their digests. */
    private Path largeSteps(int steps, int bytes) throws IOException {
        Files.createDirectories(dir.resolve("state"));
        Path source = dir.resolve("large.py");
        Files.writeString(source, """
                import hashlib, os, time
                import capsule
                from capsule import task

                @task(name="main", timeout="300s", compute="HIGH", allowed_hosts=["127.0.0.1:%d"], allowed_files=["./state::/state:rw"])
                def main(base):
                    out = []
                    for i in range(%d):
                        text = capsule.http.get(base + "/bytes/%d/" + str(i)).text
                        out.append([len(text), hashlib.sha256(text.encode()).hexdigest()[:16], time.time()])
                    if not os.path.exists("/state/failed"):
                        open("/state/failed", "w").close()
                        raise RuntimeError("fail once after the steps")
                    return out
                """.formatted(server.getAddress().getPort(), steps, bytes));
        return source;
    }

    private void assertReplayed(CapsuleClient capsule, TaskResult result, int steps, int bytes) {
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.execution().retries()).isEqualTo(1);
        assertThat(requests).hasSize(steps).allSatisfy((path, n) -> assertThat(n.get()).as(path).isEqualTo(1));
        assertThat(result.result()).hasSize(steps).allSatisfy(r -> assertThat(r.get(0).asInt()).isEqualTo(bytes));
        List<StepRow> journaled = capsule.steps(result.execution().taskId());
        assertThat(journaled).hasSize(2 * steps).allSatisfy(s -> {
            assertThat(s.attemptNo()).isEqualTo(1);
            assertThat(s.replays()).isEqualTo(1);
        });
    }

    @Test
    void stepsTooLargeForTheRunFrameAreFetchedOneAtATimeOnReplay() throws Exception {
        Path source = largeSteps(8, 40_000);
        // 16 KiB inline at most, 100 KiB in all: some clock readings travel with the attempt, every response is fetched
        try (Capsule capsule = open(StepLimits.DEFAULTS.withInline(16 * 1024, 100 * 1024))) {
            TaskResult result = runWithOneRetry(capsule, source, base());

            assertReplayed(capsule, result, 8, 40_000);
        }
    }

    /** The reproduction itself, at the real 64 MiB frame limit: 20 responses of 4 MB are 80 MB of journaled steps. */
    @Test
    void aTaskWhoseStepsOutgrowTheFrameLimitStillReplays() throws Exception {
        int steps = 20;
        int bytes = 4_000_000;
        Path source = largeSteps(steps, bytes);
        try (Capsule capsule = open(StepLimits.DEFAULTS)) {
            long before = journalBytes();
            TaskResult result = runWithOneRetry(capsule, source, base());
            long after = journalBytes();

            assertReplayed(capsule, result, steps, bytes);
            long outcomes = (long) steps * bytes;
            assertThat(outcomes).isGreaterThan(run.capsule.protocol.FrameCodec.MAX_FRAME_BYTES);
            System.out.printf("journal growth: %.1f MB of H2 file for %.1f MB of step outcomes (%.2f MB per MB)%n",
                    (after - before) / 1e6, outcomes / 1e6, (double) (after - before) / outcomes);
        }
    }

    private long journalBytes() throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve(".capsule"))) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
