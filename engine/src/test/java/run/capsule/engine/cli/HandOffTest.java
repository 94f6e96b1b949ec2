package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.TestModules;
import run.capsule.store.AttemptRow;
import run.capsule.store.JournalConfig;
import run.capsule.store.NodeRow;
import run.capsule.store.TaskStatus;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 15, goal 4: {@code capsule run} and {@code capsule submit}, each its own JVM, hand their command line to a
 * {@code capsule worker} process running on the same H2 file journal, print what they print without it, and fall back
 * to starting their own node when the worker is gone.
 */
class HandOffTest {
    private static final String NODE = "hand-off-node";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Process worker;

    @AfterEach
    void stopWorker() throws Exception {
        if (worker != null && worker.isAlive()) {
            worker.destroy();
            if (!worker.waitFor(60, TimeUnit.SECONDS)) {
                worker.destroyForcibly();
            }
        }
    }

    private JournalConfig journal() {
        return JournalConfig.embedded(dir.resolve(".capsule"));
    }

    private Path socket() {
        return dir.resolve(".capsule").resolve("node-" + worker.pid() + ".sock");
    }

    private void startWorker() throws Exception {
        worker = CliProcess.start(dir.resolve("worker.log"), "--db", journal().jdbcUrl(), "worker", "--node-id", NODE, "--runners", "1");
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(socket()));
    }

    /** One {@code capsule} process in the test's directory (so its journal is ./.capsule, the worker's). */
    private record Ran(long pid, CliOutcome outcome) {
        int exitCode() {
            return outcome.exitCode();
        }

        String out() {
            return outcome.out();
        }

        String err() {
            return outcome.err();
        }
    }

    private Ran capsule(Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder builder = CliProcess.builder(args).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Ran(process.pid(), new CliOutcome(process.exitValue(), Files.readString(out), Files.readString(err)));
    }

    private Ran handedOff(String... args) throws Exception {
        return capsule(Map.of(), args);
    }

    private Ran ownNode(String... args) throws Exception {
        return capsule(Map.of(HandOffClient.NO_HAND_OFF, "1"), args);
    }

    private static String hello() {
        return TestModules.sample("hello/hello.wasm").toString();
    }

    /** A human-readable report without what differs between two runs of one task (its id, its duration). */
    private static String comparable(String err) {
        return err.replaceAll("task [0-9a-f-]{36}", "task ID").replaceAll("in \\d+ ms", "in N ms");
    }

    private static JsonNode comparableEnvelope(String out) throws Exception {
        ObjectNode envelope = (ObjectNode) JSON.readTree(out);
        ((ObjectNode) envelope.path("execution")).remove(List.of("task_id", "duration_ms"));
        return envelope;
    }

    private static String taskId(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").matcher(text);
        assertThat(m.find()).as("a task id in: %s", text).isTrue();
        return m.group();
    }

    private <T> T withClient(java.util.function.Function<CapsuleClient, T> query) {
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal()).nodeId("test-reader").build())) {
            return query.apply(client);
        }
    }

    private String attemptNode(String taskId) {
        List<AttemptRow> attempts = withClient(c -> c.attempts(taskId));
        assertThat(attempts).hasSize(1);
        return attempts.get(0).nodeId();
    }

    private boolean registeredNode(long pid) {
        return withClient(c -> c.nodes().stream().map(NodeRow::pid).anyMatch(p -> p != null && p == pid));
    }

    /** A worker starts its first runner when it starts, so the first task handed to it does not wait for a runner JVM. */
    @Test
    void aWorkerHasARunnerBeforeItsFirstTask() throws Exception {
        startWorker();
        // the worker's only child processes are its runners
        await().atMost(Duration.ofSeconds(60)).until(() -> worker.children().count() >= 1);
    }

    @Test
    void runIsAnsweredByTheWorkerWithTheOutputOfItsOwnNode() throws Exception {
        startWorker();
        Path journalDir = dir.resolve(".capsule");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(journalDir))).isEqualTo("rwx------");

        Ran handed = handedOff("run", hello());
        Ran own = ownNode("run", hello());
        assertThat(handed.exitCode()).isZero();
        assertThat(handed.out()).isEqualTo("Hello, world!\n").isEqualTo(own.out());
        assertThat(comparable(handed.err())).isEqualTo(comparable(own.err())).startsWith("✓ hello succeeded in N ms (task ID, 0 retries)");

        // the worker ran the handed-off task; the CLI process opened no node (so started no runner) of its own
        assertThat(attemptNode(taskId(handed.err()))).isEqualTo(NODE);
        assertThat(registeredNode(handed.pid())).isFalse();
        assertThat(attemptNode(taskId(own.err()))).isNotEqualTo(NODE);
        assertThat(registeredNode(own.pid())).isTrue();

        Ran handedJson = handedOff("run", "--json", hello());
        Ran ownJson = ownNode("run", "--json", hello());
        assertThat(handedJson.exitCode()).isZero().isEqualTo(ownJson.exitCode());
        assertThat(handedJson.err()).isEqualTo(ownJson.err()).isEmpty();
        assertThat(comparableEnvelope(handedJson.out())).isEqualTo(comparableEnvelope(ownJson.out()));
        assertThat(attemptNode(JSON.readTree(handedJson.out()).path("execution").path("task_id").asText())).isEqualTo(NODE);
    }

    @Test
    void aFailingTaskAndBadInputPrintTheSameBothWays() throws Exception {
        startWorker();
        String exit3 = TestModules.wasm("exit3.wasm").toString();
        Ran handed = handedOff("run", exit3);
        Ran own = ownNode("run", exit3);
        assertThat(handed.exitCode()).isEqualTo(CapsuleCli.FAILED).isEqualTo(own.exitCode());
        assertThat(handed.out()).isEqualTo(own.out());
        assertThat(comparable(handed.err())).isEqualTo(comparable(own.err())).startsWith("✗ exit3 failed: task_error: ");
        assertThat(attemptNode(taskId(handed.err()))).isEqualTo(NODE);

        Ran badHanded = handedOff("run", "--ram", "12x", hello());
        Ran badOwn = ownNode("run", "--ram", "12x", hello());
        assertThat(badHanded.exitCode()).isEqualTo(CapsuleCli.USAGE).isEqualTo(badOwn.exitCode());
        assertThat(badHanded.err()).isEqualTo(badOwn.err()).isEqualTo("capsule: invalid --ram value '12x': use a size such as 64MB, 512KB or 1GB\n");
        assertThat(badHanded.out()).isEqualTo(badOwn.out()).isEmpty();

        Ran missingHanded = handedOff("run", "--json", "missing.wasm");
        Ran missingOwn = ownNode("run", "--json", "missing.wasm");
        assertThat(missingHanded.exitCode()).isEqualTo(CapsuleCli.FAILED).isEqualTo(missingOwn.exitCode());
        assertThat(missingHanded.out()).isEqualTo(missingOwn.out()).contains("invalid_input");
        assertThat(missingHanded.err()).isEqualTo(missingOwn.err());
    }

    @Test
    void submitIsJournaledByTheWorkerWhichRunsIt() throws Exception {
        startWorker();
        Ran submitted = handedOff("submit", hello());
        assertThat(submitted.exitCode()).isZero();
        assertThat(submitted.err()).isEmpty();
        String id = submitted.out().strip();
        assertThat(registeredNode(submitted.pid())).isFalse();
        await().atMost(Duration.ofSeconds(30)).until(() -> withClient(c -> c.task(id).orElseThrow().status()) == TaskStatus.SUCCEEDED);
        assertThat(attemptNode(id)).isEqualTo(NODE);
    }

    @Test
    void aStaleSocketOfAKilledWorkerFallsBackToTheCliOwnNode() throws Exception {
        startWorker();
        Path stale = socket();
        worker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertThat(stale).exists();

        Ran ran = handedOff("run", hello());
        assertThat(ran.exitCode()).isZero();
        assertThat(ran.out()).isEqualTo("Hello, world!\n");
        assertThat(attemptNode(taskId(ran.err()))).isNotEqualTo(NODE);
        assertThat(stale).doesNotExist();
    }

    /** status, history and cancel of one task are taken by the node too, and print what the CLI's own client prints. */
    @Test
    void statusHistoryAndCancelAreAnsweredByTheWorkerAsByTheCliOwnClient() throws Exception {
        startWorker();
        String id = taskId(handedOff("run", hello()).err());
        for (List<String> args : List.of(List.of("status", id), List.of("status", "--json", id), List.of("history", id),
                List.of("history", "--json", id), List.of("status", "no-such-task"), List.of("history", "--limit", "0"))) {
            Ran handed = handedOff(args.toArray(String[]::new));
            Ran own = ownNode(args.toArray(String[]::new));
            assertThat(handed.exitCode()).as("%s", args).isEqualTo(own.exitCode());
            assertThat(handed.out()).as("%s", args).isEqualTo(own.out());
            assertThat(handed.err()).as("%s", args).isEqualTo(own.err());
        }
        assertThat(handedTo("status", id)).hasValue(0);

        String sleeping = withClient(c -> c.submit(run.capsule.engine.spec.TaskSpec.builder(TestModules.wasm("probe.wasm"))
                .args(List.of("sleep", "30")).build(), run.capsule.engine.spec.SubmitOptions.NOW).taskId());
        await().atMost(Duration.ofSeconds(30)).until(() -> withClient(c -> c.task(sleeping).orElseThrow().status()) == TaskStatus.RUNNING);
        assertThat(handedTo("cancel", sleeping)).hasValue(0);
        await().atMost(Duration.ofSeconds(30)).until(() -> withClient(c -> c.task(sleeping).orElseThrow().status()) == TaskStatus.CANCELLED);
    }

    /** The exit code of a command line taken by the worker (empty if no node took it), run in this JVM's hand-off client. */
    private java.util.OptionalInt handedTo(String... args) {
        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
        return HandOffClient.tryRun(args, dir, System.getenv(), new java.io.PrintStream(sink, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(sink, true, StandardCharsets.UTF_8));
    }

    /** Many hand-offs at once to one node: each CLI gets its own task's output and exit code, never another's. */
    @Test
    void concurrentHandOffsEachGetTheirOwnOutput() throws Exception {
        startWorker();
        int threads = 8;
        int each = 5;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        List<java.util.concurrent.Future<String>> taskIds = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < each; i++) {
                String who = "n" + t + "-" + i;
                taskIds.add(pool.submit(() -> {
                    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
                    java.util.OptionalInt code = HandOffClient.tryRun(new String[] {"run", hello(), who}, dir, System.getenv(),
                            new java.io.PrintStream(out, true, StandardCharsets.UTF_8), new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
                    assertThat(code).hasValue(0);
                    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("Hello, " + who + "!\n");
                    assertThat(comparable(err.toString(StandardCharsets.UTF_8))).startsWith("✓ hello succeeded in N ms (task ID, 0 retries)");
                    return taskId(err.toString(StandardCharsets.UTF_8));
                }));
            }
        }
        pool.shutdown();
        List<String> ids = new java.util.ArrayList<>();
        for (java.util.concurrent.Future<String> id : taskIds) {
            ids.add(id.get(300, TimeUnit.SECONDS));
        }
        assertThat(ids).doesNotHaveDuplicates().hasSize(threads * each);
        withClient(c -> {
            ids.forEach(id -> assertThat(c.attempts(id)).singleElement().extracting(AttemptRow::nodeId).isEqualTo(NODE));
            return null;
        });
    }

    /** The socket runs only the handed commands, only of the same code and journal, and never with other caches or keys. */
    @Test
    void theSocketRefusesWhatTheCliWouldNotHaveRunOnThisNode() throws Exception {
        startWorker();
        Map<String, String> env = new HashMap<>(System.getenv());
        HandOffRequest plain = new HandOffRequest(List.of("run", hello()), dir, env, HandOffRequest.codeLocation(),
                Charset.defaultCharset().name());
        assertThat(firstReply(plain)).containsKey("accepted");
        assertThat(firstReply(new HandOffRequest(List.of("sql", "select 1"), dir, env, plain.code(), plain.charset())))
                .containsEntry("refused", "a node takes over capsule cancel, history, run, status, submit only");
        assertThat(firstReply(new HandOffRequest(List.of("wait", "some-task"), dir, env, plain.code(), plain.charset()))).containsKey("refused");
        assertThat(firstReply(new HandOffRequest(List.of("export"), dir, env, plain.code(), plain.charset()))).containsKey("refused");
        assertThat(firstReply(new HandOffRequest(List.of("worker"), dir, env, plain.code(), plain.charset()))).containsKey("refused");
        assertThat(firstReply(new HandOffRequest(List.of("run", hello()), dir.resolve("elsewhere"), env, plain.code(), plain.charset())))
                .containsEntry("refused", "the command uses another journal than this node's");
        assertThat(firstReply(new HandOffRequest(List.of("--db", "jdbc:h2:file:" + dir.resolve(".capsule/other"), "run", hello()), dir, env,
                plain.code(), plain.charset()))).containsKey("refused");
        assertThat(firstReply(new HandOffRequest(List.of("run", hello()), dir, env, "file:/elsewhere/capsule.jar", plain.charset())))
                .containsKey("refused");
        Map<String, String> otherCache = new HashMap<>(env);
        otherCache.put("CAPSULE_CACHE_DIR", dir.resolve("cache").toString());
        assertThat(firstReply(new HandOffRequest(List.of("run", hello()), dir, otherCache, plain.code(), plain.charset())))
                .containsEntry("refused", "the command's $CAPSULE_CACHE_DIR is not this node's");
        assertThat(firstReplyOf("not json")).containsKey("refused");
    }

    private Map<String, Object> firstReply(HandOffRequest request) throws Exception {
        return firstReplyOf(request.toLine());
    }

    private Map<String, Object> firstReplyOf(String line) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket()));
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            BufferedReader replies = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            return JsonLine.read(replies.readLine());
        }
    }
}
