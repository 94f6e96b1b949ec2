package run.capsule.runner.guest;

import run.capsule.protocol.EngineOp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Durability;
import run.capsule.protocol.Program;
import run.capsule.protocol.RunAttempt;
import run.capsule.protocol.StepRecord;
import run.capsule.runner.NativeLibrary;
import run.capsule.runner.host.EngineLink;
import run.capsule.runner.host.HostCalls;
import run.capsule.runner.host.HttpGateway;
import run.capsule.runner.sandbox.WasmSandbox;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Journaled steps and replay (docs/steps.md) on real CPython: a live run's steps, fed back as the journal, give the
 * same values without repeating side effects; divergence and short runs fail as nondeterminism; durable sleeps.
 * The engine is a recording double (it is another module): it journals what {@code step.record} and
 * {@code task.*} bring, as the engine's contract says.
 */
class DurableStepsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static PythonGuest guest;
    static RecordingEngine engine = new RecordingEngine();
    static HttpServer server;
    static final AtomicInteger served = new AtomicInteger();
    static int port;
    static final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(null, r, "wasm", 64L * 1024 * 1024));
    static int attempts;

    @BeforeAll
    static void start() throws Exception {
        guest = PythonGuest.start(work);
        guest.sandbox.serveHostCalls(HostCalls.withHttp(HttpGateway.newClient(), InetAddress::getAllByName, engine));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/count", exchange -> {
            byte[] out = ("request " + served.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
        port = server.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
        thread.shutdownNow();
        if (guest != null) {
            guest.close();
        }
    }

    /** The engine's side: journals step.record batches and child steps, answers child calls. */
    static final class RecordingEngine implements EngineLink {
        final List<JsonNode> calls = new CopyOnWriteArrayList<>();
        final List<StepRecord> journaled = new CopyOnWriteArrayList<>();
        final AtomicInteger children = new AtomicInteger();
        /** Which child a wait for any of several answers: the last asked for, else the first. */
        volatile boolean lastFirst;
        /** Whether a wait with a timeout finds no child finished (its timer comes first). */
        volatile boolean timersFirst;

        void reset() {
            calls.clear();
            journaled.clear();
            lastFirst = false;
            timersFirst = false;
        }

        @Override
        public ObjectNode call(String attemptId, EngineOp engineOp, long deadlineNanos) {
            JsonNode request = new ObjectMapper().valueToTree(engineOp);
            calls.add(request.deepCopy());
            ObjectNode reply = JSON.createObjectNode();
            switch (request.path("op").asText()) {
                case "step.record" -> request.path("steps").forEach(this::journal);
                case "task.start", "task.call" -> {
                    String id = "child-" + children.incrementAndGet();
                    JsonNode step = request.get("step");
                    if (step != null) {
                        step.path("pending").forEach(this::journal);
                        ObjectNode asked = JSON.createObjectNode();
                        asked.set("args", request.get("args"));
                        asked.set("kwargs", request.get("kwargs"));
                        journaled.add(new StepRecord(step.path("stepNo").asInt(), StepRecord.CHILD, request.path("task").asText(),
                                asked.toString(), "{\"id\":\"" + id + "\"}", id, 0));
                    }
                    reply.put("id", id);
                    if (request.path("op").asText().equals("task.call")) {
                        reply.set("envelope", envelope(id, request.path("args")));
                    }
                }
                case "task.wait" -> {
                    ObjectNode results = reply.putObject("results");
                    JsonNode ids = request.path("ids");
                    if (timersFirst && request.has("timeout_ms")) {
                        break;
                    }
                    if (request.path("any").asBoolean(false)) {
                        String one = ids.get(lastFirst ? ids.size() - 1 : 0).asText();
                        results.set(one, envelope(one, JSON.createArrayNode()));
                    } else {
                        ids.forEach(id -> results.set(id.asText(), envelope(id.asText(), JSON.createArrayNode())));
                    }
                }
                default -> reply.putObject("error").put("type", "unknown_op").put("message", "no such op");
            }
            return reply;
        }

        private void journal(JsonNode step) {
            try {
                journaled.add(JSON.treeToValue(step, StepRecord.class));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        private static ObjectNode envelope(String id, JsonNode args) {
            ObjectNode envelope = JSON.createObjectNode().put("success", true).put("child", id);
            envelope.set("args", args);
            return envelope;
        }

        long count(String op) {
            return calls.stream().filter(c -> c.path("op").asText().equals(op)).count();
        }
    }

    static Path source(String code) throws Exception {
        Path dir = Files.createTempDirectory(work, "src");
        Files.writeString(dir.resolve("task.py"), code);
        return dir;
    }

    static AttemptResult run(Path dir, Durability durability) throws Exception {
        return run(dir, durability, 60_000);
    }

    static AttemptResult run(Path dir, Durability durability, long timeoutMs) throws Exception {
        RunAttempt request = new RunAttempt("steps-" + attempts, Interpreter.PYTHON.moduleSha256(), guest.interpreter.toString(), "python",
                List.of(), Map.of(), List.of(), timeoutMs, 1 << 20, false, 0, 4096, List.of("127.0.0.1:" + port),
                new Program(Program.PYTHON, dir.toString(), "task.py", Program.RUN, "main", "{\"args\":[],\"kwargs\":{}}"))
                .withDurability(durability);
        Path attemptDir = work.resolve("steps-attempt-" + attempts++);
        Files.createDirectories(attemptDir);
        return thread.submit(() -> guest.sandbox.run(request, attemptDir, WasmSandbox.StreamWatcher.NONE)).get(5, TimeUnit.MINUTES);
    }

    static Durability live() {
        return new Durability(List.of(), true, 0);
    }

    /** Everything the live run journaled: through step.record and child calls, then with its result. */
    static List<StepRecord> journalOf(AttemptResult result) {
        List<StepRecord> all = new ArrayList<>(engine.journaled);
        all.addAll(result.steps());
        all.sort(Comparator.comparingInt(StepRecord::stepNo));
        return all;
    }

    static String why(AttemptResult r) {
        return r.errorType() + ": " + r.message() + "\n" + r.errorDetail() + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr();
    }

    static final String CLOCK_AND_RANDOM = """
            import os, random, time
            from capsule import task

            @task(name="main")
            def main():
                t = [time.time() for _ in range(3)]
                time.sleep(1.5)
                r = [random.random() for _ in range(3)]
                u = os.urandom(8).hex()
                print("t=%r r=%r u=%s" % (t, r, u))
                return {"t": t, "r": r, "u": u}
            """;

    @Test
    void clockAndRandomReplayGiveTheJournaledValues() throws Exception {
        Path dir = source(CLOCK_AND_RANDOM);
        engine.reset();
        AttemptResult first = run(dir, live());
        assertThat(first.succeeded()).as(why(first)).isTrue();
        List<StepRecord> journal = journalOf(first);
        System.out.println("live run journaled " + journal.size() + " steps: "
                + journal.stream().map(s -> s.kind() + (s.kind().equals(StepRecord.RANDOM) ? s.request() : "")).toList());
        assertThat(journal).extracting(StepRecord::stepNo).containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(1, journal.size()).boxed().toList());
        assertThat(journal).extracting(StepRecord::kind).contains(StepRecord.CLOCK, StepRecord.RANDOM);
        assertThat(journal.stream().filter(s -> s.kind().equals(StepRecord.CLOCK)).count()).isGreaterThanOrEqualTo(3);
        assertThat(first.replayedSteps()).isZero();

        engine.reset();
        long started = System.nanoTime();
        AttemptResult replay = run(dir, new Durability(journal, true, 0));
        long replayMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(replay.succeeded()).as(why(replay)).isTrue();
        assertThat(JSON.readTree(replay.value())).isEqualTo(JSON.readTree(first.value()));
        assertThat(replay.stdout()).isEqualTo(first.stdout());
        assertThat(replay.replayedSteps()).isEqualTo(journal.size());
        assertThat(replay.steps()).isEmpty();
        assertThat(engine.calls).isEmpty();
        assertThat(replayMs).as("time.sleep(1.5) returns at once while journaled steps remain").isLessThan(first.durationMs());

        AttemptResult fresh = run(dir, live());
        assertThat(JSON.readTree(fresh.value())).isNotEqualTo(JSON.readTree(first.value()));
    }

    @Test
    void aSourceThatSeedsRandomItselfKeepsItsSequence() throws Exception {
        Path dir = source("""
                import random
                from capsule import task

                random.seed(42)

                @task(name="main")
                def main():
                    return random.random()
                """);
        engine.reset();
        AttemptResult result = run(dir, live());

        assertThat(result.succeeded()).as(why(result)).isTrue();
        assertThat(result.value()).isEqualTo("0.6394267984578837");
        assertThat(journalOf(result)).isEmpty();
    }

    @Test
    void httpReplaySendsNoRequest() throws Exception {
        Path dir = source("""
                import time
                from capsule import task, http

                @task(name="main")
                def main():
                    before = time.time()
                    body = http.get("http://127.0.0.1:%d/count").text
                    return {"before": before, "body": body}
                """.formatted(port));
        engine.reset();
        int servedBefore = served.get();
        AttemptResult first = run(dir, live());
        assertThat(first.succeeded()).as(why(first)).isTrue();
        assertThat(served.get()).isEqualTo(servedBefore + 1);
        assertThat(engine.count("step.record")).isEqualTo(1);
        assertThat(engine.journaled).extracting(StepRecord::kind).containsExactly(StepRecord.CLOCK, StepRecord.HTTP);
        StepRecord http = engine.journaled.get(1);
        assertThat(http.target()).isEqualTo("GET http://127.0.0.1:" + port + "/count");
        assertThat(JSON.readTree(http.request()).path("body_sha256").asText())
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        List<StepRecord> journal = journalOf(first);

        engine.reset();
        AttemptResult replay = run(dir, new Durability(journal, true, 0));
        assertThat(replay.succeeded()).as(why(replay)).isTrue();
        assertThat(served.get()).isEqualTo(servedBefore + 1);
        assertThat(replay.hostRequests()).isEmpty();
        assertThat(JSON.readTree(replay.value())).isEqualTo(JSON.readTree(first.value()));
        assertThat(replay.replayedSteps()).isEqualTo(2);
        assertThat(engine.calls).isEmpty();
    }

    @Test
    void aRunCutShortReplaysItsJournalThenContinuesLive() throws Exception {
        Path dir = source("""
                import time
                from capsule import task, http

                @task(name="main")
                def main():
                    before = time.time()
                    body = http.get("http://127.0.0.1:%d/count").text
                    after = time.time()
                    return {"before": before, "body": body, "after": after}
                """.formatted(port));
        engine.reset();
        int servedBefore = served.get();
        AttemptResult first = run(dir, live());
        assertThat(first.succeeded()).as(why(first)).isTrue();
        List<StepRecord> written = List.copyOf(engine.journaled);
        assertThat(written).extracting(StepRecord::stepNo).containsExactly(1, 2);

        // The engine crashed after writing the http step and before the result: only steps 1 and 2 are journaled.
        engine.reset();
        AttemptResult again = run(dir, new Durability(written, true, 0));

        assertThat(again.succeeded()).as(why(again)).isTrue();
        assertThat(served.get()).isEqualTo(servedBefore + 1);
        assertThat(again.replayedSteps()).isEqualTo(2);
        assertThat(again.steps()).extracting(StepRecord::stepNo).containsExactly(3);
        JsonNode a = JSON.readTree(first.value());
        JsonNode b = JSON.readTree(again.value());
        assertThat(b.get("before")).isEqualTo(a.get("before"));
        assertThat(b.get("body")).isEqualTo(a.get("body"));
        assertThat(b.get("after").asDouble()).isGreaterThan(a.get("after").asDouble());
    }

    @Test
    void childStepsAreJournaledByTheEngineAndReplayedWithoutStartingAgain() throws Exception {
        Path dir = source("""
                import time
                import capsule
                from capsule import task

                @task
                def helper(x):
                    return x

                @task(name="main")
                def main():
                    t = time.time()
                    env = helper(7)
                    h = helper.spawn(8)
                    return {"t": t, "env": env, "id": h.id, "waited": h.result()}
                """);
        engine.reset();
        AttemptResult first = run(dir, live());
        assertThat(first.succeeded()).as(why(first)).isTrue();
        JsonNode call = engine.calls.get(0);
        assertThat(call.path("op").asText()).isEqualTo("task.call");
        assertThat(call.path("step").path("stepNo").asInt()).isEqualTo(2);
        assertThat(call.path("step").path("pending")).hasSize(1);
        assertThat(call.path("step").path("pending").get(0).path("kind").asText()).isEqualTo(StepRecord.CLOCK);
        List<StepRecord> journal = journalOf(first);
        assertThat(journal).extracting(StepRecord::kind).containsExactly(StepRecord.CLOCK, StepRecord.CHILD, StepRecord.CHILD);

        engine.reset();
        AttemptResult replay = run(dir, new Durability(journal, true, 0));
        assertThat(replay.succeeded()).as(why(replay)).isTrue();
        assertThat(engine.count("task.start") + engine.count("task.call")).isZero();
        assertThat(engine.count("task.wait")).isEqualTo(2);
        JsonNode a = JSON.readTree(first.value());
        JsonNode b = JSON.readTree(replay.value());
        assertThat(b.get("t")).isEqualTo(a.get("t"));
        assertThat(b.get("id")).isEqualTo(a.get("id"));
        assertThat(b.path("env").path("child")).isEqualTo(a.path("env").path("child"));
        assertThat(replay.replayedSteps()).isEqualTo(3);
    }

    @Test
    void childrenFinishInTheJournaledOrderOnReplay() throws Exception {
        Path dir = source("""
                import asyncio, time
                from capsule import task

                @task(name="child")
                async def child(i):
                    return i

                @task(name="main")
                async def main():
                    order = []
                    for finished in asyncio.as_completed([child(i) for i in range(3)]):
                        envelope = await finished
                        order.append([envelope["child"], time.time()])
                    return order
                """);
        engine.reset();
        engine.lastFirst = true;
        AttemptResult first = run(dir, live());
        assertThat(first.succeeded()).as(why(first)).isTrue();
        List<StepRecord> journal = journalOf(first);
        assertThat(journal).extracting(StepRecord::kind).containsExactly(StepRecord.CHILD, StepRecord.CHILD, StepRecord.CHILD,
                StepRecord.WAIT, StepRecord.CLOCK, StepRecord.WAIT, StepRecord.CLOCK, StepRecord.WAIT, StepRecord.CLOCK);
        JsonNode live = JSON.readTree(first.value());
        assertThat(List.of(live.get(0).get(0).asText(), live.get(1).get(0).asText(), live.get(2).get(0).asText()))
                .containsExactlyInAnyOrder(journal.get(0).childId(), journal.get(1).childId(), journal.get(2).childId());

        engine.reset();
        AttemptResult replay = run(dir, new Durability(journal, true, 0));

        assertThat(replay.succeeded()).as(why(replay)).isTrue();
        assertThat(JSON.readTree(replay.value())).as("the children finish in the journaled order, not the engine's new one").isEqualTo(live);
        assertThat(replay.replayedSteps()).isEqualTo(journal.size());
        assertThat(engine.calls).allSatisfy(c -> assertThat(c.path("any").asBoolean(false)).isFalse());

        engine.reset();
        AttemptResult firstFormat = run(dir, new Durability(List.of(), true, 0, Durability.FIRST_FORMAT));
        assertThat(firstFormat.succeeded()).as(why(firstFormat)).isTrue();
        assertThat(journalOf(firstFormat)).as("a task journaled before wait steps existed keeps its numbering")
                .extracting(StepRecord::kind).doesNotContain(StepRecord.WAIT).contains(StepRecord.CHILD, StepRecord.CLOCK);
    }

    @Test
    void aChildAwaitedAgainAfterATimeoutIsStillAwaitedAndReplays() throws Exception {
        Path dir = source("""
                import asyncio
                from capsule import task

                @task(name="child")
                async def child(i):
                    return i

                @task(name="main")
                async def main():
                    loop = asyncio.get_running_loop()
                    started = loop.time()
                    h = child(1)
                    try:
                        await asyncio.wait_for(h, 5)
                        first = "done"
                    except asyncio.TimeoutError:
                        first = "timeout"
                    again = await h
                    return [first, again["child"], loop.time() - started >= 5]
                """);
        engine.reset();
        engine.timersFirst = true;
        AttemptResult first = run(dir, live());
        assertThat(first.succeeded()).as(why(first)).isTrue();
        JsonNode value = JSON.readTree(first.value());
        assertThat(value.get(0).asText()).isEqualTo("timeout");
        assertThat(value.get(1).asText()).startsWith("child-");
        assertThat(value.get(2).asBoolean()).as("the loop's clock moved past the 5 s timeout the engine reported").isTrue();
        List<StepRecord> journal = journalOf(first);
        assertThat(journal).extracting(StepRecord::kind).containsExactly(StepRecord.CHILD, StepRecord.WAIT, StepRecord.WAIT);
        assertThat(journal.get(1).outcome()).isEqualTo("{\"done\":[]}");

        engine.reset();
        long started = System.nanoTime();
        AttemptResult replay = run(dir, new Durability(journal, true, 0));
        assertThat(replay.succeeded()).as(why(replay)).isTrue();
        assertThat(JSON.readTree(replay.value())).isEqualTo(value);
        // a replay that waited out the 5 s timeout would take 5 s plus the interpreter's start-up; one that does not
        // takes the start-up alone (1-4 s on a busy 2-core machine)
        assertThat((System.nanoTime() - started) / 1_000_000).as("the replay does not wait out the timeout").isLessThan(5_000);
    }

    @Test
    void divergenceStopsTheTaskAsNondeterminismNamingBothSteps() throws Exception {
        Path dir = source("""
                import time
                from capsule import task

                @task(name="main")
                def main():
                    print("asked", flush=True)
                    t = time.time()
                    print("answered")
                    return t
                """);
        StepRecord journaled = new StepRecord(1, StepRecord.HTTP, "GET https://api.example.com/",
                "{\"method\":\"GET\",\"url\":\"https://api.example.com/\",\"body_sha256\":\"x\"}", "{\"status\":200}", null, 3);
        AttemptResult result = run(dir, new Durability(List.of(journaled), true, 0));

        assertThat(result.errorType()).isEqualTo("nondeterminism");
        assertThat(result.message()).contains("step 1", "http 'GET https://api.example.com/'", "clock 'realtime' {}");
        assertThat(result.stdout()).contains("asked").doesNotContain("answered");
        assertThat(result.value()).isNull();
        assertThat(result.exitCode()).isNull();
    }

    @Test
    void endingWithFewerStepsThanJournaledIsNondeterminism() throws Exception {
        Path dir = source("""
                import time
                from capsule import task

                @task(name="main")
                def main():
                    return time.time()
                """);
        List<StepRecord> journal = List.of(
                new StepRecord(1, StepRecord.CLOCK, "realtime", "{}", "{\"ns\":1000000000}", null, 0),
                new StepRecord(2, StepRecord.RANDOM, "bytes", "{\"len\":8}", "{\"hex\":\"0001020304050607\"}", null, 0));
        AttemptResult result = run(dir, new Durability(journal, true, 0));

        assertThat(result.errorType()).as(why(result)).isEqualTo("nondeterminism");
        assertThat(result.message()).contains("after 1 steps", "holds 2", "random 'bytes'");
        assertThat(result.replayedSteps()).isEqualTo(1);
    }

    static final String SLEEPER = """
            import time
            import capsule
            from capsule import task

            @task(name="main")
            def main():
                capsule.sleep(%s)
                return time.time()
            """;

    @Test
    void aShortSleepBlocksAndIsJournaled() throws Exception {
        engine.reset();
        AttemptResult result = run(source(SLEEPER.formatted("0.4")), new Durability(List.of(), true, 5_000));

        assertThat(result.succeeded()).as(why(result)).isTrue();
        assertThat(result.durationMs()).isGreaterThanOrEqualTo(400);
        assertThat(result.steps()).extracting(StepRecord::kind).containsExactly(StepRecord.SLEEP, StepRecord.CLOCK);
        StepRecord sleep = result.steps().get(0);
        assertThat(sleep.request()).isEqualTo("{\"ms\":400}");
        assertThat(JSON.readTree(sleep.outcome()).path("until_ms").asLong()).isPositive();
        assertThat(engine.calls).isEmpty();
    }

    @Test
    void aLongSleepSuspendsTheTaskAndReplaysWhenItsTimeHasCome() throws Exception {
        Path dir = source(SLEEPER.formatted("3600"));
        engine.reset();
        long before = System.currentTimeMillis();
        AttemptResult suspended = run(dir, new Durability(List.of(), true, 1_000));

        assertThat(suspended.errorType()).as(why(suspended)).isEqualTo("suspended");
        assertThat(suspended.resumeAtEpochMs()).isBetween(before + 3_600_000, System.currentTimeMillis() + 3_600_000);
        assertThat(suspended.durationMs()).isLessThan(30_000);
        assertThat(engine.journaled).extracting(StepRecord::kind).containsExactly(StepRecord.SLEEP);
        assertThat(suspended.steps()).isEmpty();

        AttemptResult early = run(dir, new Durability(List.copyOf(engine.journaled), true, 1_000));
        assertThat(early.errorType()).as(why(early)).isEqualTo("suspended");
        assertThat(early.resumeAtEpochMs()).isEqualTo(suspended.resumeAtEpochMs());

        StepRecord passed = new StepRecord(1, StepRecord.SLEEP, "sleep", "{\"ms\":3600000}",
                "{\"until_ms\":" + (System.currentTimeMillis() - 1000) + "}", null, 0);
        long started = System.nanoTime();
        AttemptResult resumed = run(dir, new Durability(List.of(passed), true, 1_000));
        assertThat(resumed.succeeded()).as(why(resumed)).isTrue();
        assertThat(resumed.replayedSteps()).isEqualTo(1);
        assertThat(resumed.steps()).extracting(StepRecord::kind).containsExactly(StepRecord.CLOCK);
        assertThat(resumed.steps().get(0).stepNo()).isEqualTo(2);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(30_000);
    }

    @Test
    void aBlockingSleepEndsAtTheDeadlineAsATimeout() throws Exception {
        AttemptResult result = run(source(SLEEPER.formatted("30")), new Durability(List.of(), true, 0), 3_000);

        assertThat(result.errorType()).as(why(result)).isEqualTo("timeout");
        assertThat(result.message()).isEqualTo("timed out after 3000 ms");
        assertThat(result.durationMs()).isBetween(2_500L, 10_000L);
        assertThat(result.steps()).isEmpty();
    }

    @Test
    void aReplayedSleepWokenEarlySleepsTheRest() throws Exception {
        StepRecord soon = new StepRecord(1, StepRecord.SLEEP, "sleep", "{\"ms\":3600000}",
                "{\"until_ms\":" + (System.currentTimeMillis() + 2_500) + "}", null, 0);
        AttemptResult result = run(source(SLEEPER.formatted("3600")), new Durability(List.of(soon), true, 10_000));
        assertThat(result.succeeded()).as(why(result)).isTrue();
        assertThat(result.durationMs()).isGreaterThanOrEqualTo(1_000);
    }

    @Test
    void withoutDurabilityNothingIsAStep() throws Exception {
        engine.reset();
        AttemptResult result = run(source(CLOCK_AND_RANDOM), Durability.NONE);
        assertThat(result.succeeded()).as(why(result)).isTrue();
        assertThat(result.steps()).isEmpty();
        assertThat(result.replayedSteps()).isZero();
        assertThat(result.durationMs()).isGreaterThanOrEqualTo(1_500);
        assertThat(engine.calls).isEmpty();
    }
}
