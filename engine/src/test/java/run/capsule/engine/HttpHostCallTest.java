package run.capsule.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.HostRequest;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/**
 * The http host call through the engine and a real runner, against a loopback server only. Refused requests
 * never connect anywhere: the server counts what reaches it.
 */
class HttpHostCallTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static Capsule capsule;
    static HttpServer server;
    static ExecutorService serverThreads;
    static int port;
    static final AtomicInteger served = new AtomicInteger();

    @BeforeAll
    static void open() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        serverThreads = Executors.newFixedThreadPool(2);
        server.setExecutor(serverThreads);
        server.createContext("/echo", exchange -> {
            served.incrementAndGet();
            byte[] in = exchange.getRequestBody().readAllBytes();
            byte[] out = (exchange.getRequestMethod() + ":" + new String(in, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(201, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.createContext("/away", exchange -> {
            served.incrementAndGet();
            exchange.getResponseHeaders().add("Location", "http://localhost:" + port + "/echo");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.start();
        port = server.getAddress().getPort();
        capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(1).build());
    }

    @AfterAll
    static void close() {
        capsule.close();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    static TaskResult call(String request, String... grants) throws Exception {
        TaskSpec.Builder spec = TaskSpec.builder(TestModules.sample("host-api/host_call.wasm")).arg(request);
        for (String grant : grants) {
            spec.allowHost(HostPattern.parse(grant));
        }
        return capsule.run(spec.build());
    }

    @Test
    void aGrantedPostIsPerformedAndJournaledWithSecretsRedacted() throws Exception {
        TaskResult result = call("{\"op\":\"http\",\"method\":\"POST\",\"url\":\"http://127.0.0.1:" + port
                + "/echo?token=abc\",\"headers\":{\"Authorization\":\"Bearer xyz\"},\"body\":\"hello\"}", "127.0.0.1:" + port);

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("status").asInt()).isEqualTo(201);
        assertThat(result.result().path("body").asText()).isEqualTo("POST:hello");
        JsonNode envelope = JSON.valueToTree(result);
        JsonNode logged = envelope.path("execution").path("host_requests");
        assertThat(logged).hasSize(1);
        assertThat(logged.get(0).path("method").asText()).isEqualTo("POST");
        assertThat(logged.get(0).path("url").asText()).isEqualTo("http://127.0.0.1:" + port + "/echo?token=[redacted]");
        assertThat(logged.get(0).path("status").asInt()).isEqualTo(201);
        assertThat(logged.get(0).path("bytes_sent").asLong()).isEqualTo(5);
        assertThat(logged.get(0).path("bytes_received").asLong()).isEqualTo(10);

        List<HostRequest> rows = capsule.hostRequests(result.execution().taskId(), 1);
        assertThat(rows).singleElement().satisfies(r -> {
            assertThat(r.seq()).isEqualTo(1);
            assertThat(r.headers()).isEqualTo(Map.of("Authorization", "[redacted]"));
            assertThat(r.status()).isEqualTo(201);
            assertThat(r.error()).isNull();
            assertThat(r.atEpochMs()).isPositive();
        });
        assertThat(envelope.path("execution").toString()).doesNotContain("xyz").doesNotContain("=abc");
    }

    static TaskResult probe(List<String> args, String grant, MountSpec mount) {
        TaskSpec.Builder spec = TaskSpec.builder(TestModules.wasm("probe.wasm")).args(args);
        if (grant != null) {
            spec.allowHost(HostPattern.parse(grant));
        }
        if (mount != null) {
            spec.mount(mount);
        }
        try {
            return capsule.run(spec.build());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void wasiOnlyGuestsReachTheChannelThroughCapsuleCall() throws Exception {
        String grant = "127.0.0.1:" + port;
        TaskResult echo = probe(List.of("channel", "{\"op\":\"echo\",\"value\":5}"), grant, null);
        TaskResult twice = probe(List.of("channel", "{\"op\":\"echo\",\"value\":\"again\"}", "twice"), grant, null);
        TaskResult http = probe(List.of("channel", "{\"op\":\"http\",\"method\":\"PUT\",\"url\":\"http://127.0.0.1:" + port
                + "/echo\",\"body\":\"via fd\"}"), grant, null);

        assertThat(echo.success()).as(String.valueOf(echo.error())).isTrue();
        assertThat(echo.result().toString()).isEqualTo("{\"value\":5}");
        assertThat(twice.result().asText()).isEqualTo("{\"value\":\"again\"}\n{\"value\":\"again\"}");
        assertThat(http.result().path("body").asText()).isEqualTo("PUT:via fd");
        assertThat(capsule.hostRequests(http.execution().taskId(), 1)).singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(201));
    }

    @Test
    void otherFilesAreUntouchedByTheChannelAndTasksWithoutHostsHaveNoChannel() throws Exception {
        java.nio.file.Path out = java.nio.file.Files.createDirectories(dir.resolve("out"));
        TaskResult write = probe(List.of("write", "/out/f.txt", "plain file"), "127.0.0.1:" + port, MountSpec.parse(out + "::/out", dir));
        TaskResult read = probe(List.of("cat", "/out/f.txt"), "127.0.0.1:" + port, MountSpec.parse(out + "::/out", dir));
        TaskResult noChannel = probe(List.of("channel", "{\"op\":\"echo\"}"), null, null);

        assertThat(write.success()).as(String.valueOf(write.error())).isTrue();
        assertThat(java.nio.file.Files.readString(out.resolve("f.txt"))).isEqualTo("plain file");
        assertThat(read.result().asText()).isEqualTo("plain file");
        assertThat(noChannel.success()).isFalse();
        assertThat(noChannel.error().message()).isEqualTo("exited with code 1 (stderr: error: Capabilities insufficient)");
    }

    @Test
    void refusalsReachTheGuestAsErrorRepliesAndAreJournaled() throws Exception {
        int before = served.get();
        TaskResult notGranted = call("{\"op\":\"http\",\"url\":\"http://127.0.0.1:" + port + "/echo\"}");
        TaskResult metadata = call("{\"op\":\"http\",\"url\":\"http://169.254.169.254/latest/meta-data/\"}", "*");
        TaskResult localhost = call("{\"op\":\"http\",\"url\":\"http://localhost:" + port + "/echo\"}", "example.com");
        assertThat(served.get()).isEqualTo(before);
        TaskResult redirect = call("{\"op\":\"http\",\"url\":\"http://127.0.0.1:" + port + "/away\"}", "127.0.0.1:" + port);

        assertThat(notGranted.result().path("error").path("type").asText()).isEqualTo("not_allowed");
        assertThat(metadata.result().path("error").path("type").asText()).isEqualTo("address_refused");
        assertThat(localhost.result().path("error").path("type").asText()).isEqualTo("not_allowed");
        assertThat(redirect.result().path("error").path("type").asText()).isEqualTo("not_allowed");
        assertThat(served.get()).isEqualTo(before + 1);

        assertThat(capsule.hostRequests(notGranted.execution().taskId(), 1)).singleElement().satisfies(r -> {
            assertThat(r.status()).isNull();
            assertThat(r.error()).startsWith("host 127.0.0.1:" + port + " is not granted");
        });
        assertThat(capsule.hostRequests(redirect.execution().taskId(), 1)).extracting(HostRequest::url, HostRequest::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("http://127.0.0.1:" + port + "/away", 302),
                        org.assertj.core.groups.Tuple.tuple("http://localhost:" + port + "/echo", null));
        assertThat(JSON.valueToTree(redirect).path("execution").path("host_requests")).hasSize(2);
    }
}
