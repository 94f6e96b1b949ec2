package run.capsule.engine;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/**
 * Issue 11, second pass (a review of the fix): a source naming a host the operator granted only by a wildcard, or a
 * granted directory turned into a symlink after it was approved, must not reach further than the operator allowed.
 */
class ApprovalEscapeTest {
    @RegisterExtension
    static final EngineNode node = EngineNode.withRunners(1);
    static HttpServer server;
    static final AtomicInteger hits = new AtomicInteger();

    @BeforeAll
    static void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/secret", exchange -> {
            hits.incrementAndGet();
            byte[] body = "metadata-credentials".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    /** {@code --allow-host '*'} reaches public hosts only; naming 127.0.0.1 in the source must not upgrade it to loopback. */
    @Test
    void aWildcardGrantDoesNotBecomeLoopbackAccessByNamingTheHost() throws Exception {
        int port = server.getAddress().getPort();
        Path file = node.source("metadata.py", """
                import capsule
                from capsule import task

                @task(name="main", allowed_hosts=["127.0.0.1:%d"])
                def main():
                    try:
                        return capsule.http.get("http://127.0.0.1:%d/secret").text()
                    except Exception as e:
                        return "refused: " + str(e)
                """.formatted(port, port));
        int before = hits.get();

        TaskResult result = node.capsule().run(TaskSpec.builder(file).allowHost(HostPattern.parse("*")).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().asText()).startsWith("refused").doesNotContain("metadata-credentials");
        assertThat(hits.get()).isEqualTo(before);
    }

    /** A granted directory swapped for a symlink between its approval and the attempt is refused, not followed. */
    @Test
    void aGrantSwappedForASymlinkAfterItWasApprovedIsRefused() throws Exception {
        Path data = Files.createDirectories(node.dir().resolve("swap").resolve("data"));
        Path outside = Files.createDirectories(node.dir().resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "outside the grant");
        Path file = node.source("reader.py", """
                import os
                from capsule import task

                @task(name="main", allowed_files=["./swap/data::/data:ro"])
                def main():
                    return sorted(os.listdir("/data"))
                """);
        String id = node.capsule().submit(TaskSpec.builder(file).mount(MountSpec.parse(node.dir().resolve("swap") + ":ro", node.dir()))
                .build(), SubmitOptions.NOW).taskId();
        Files.delete(data);
        Files.createSymbolicLink(data, outside);

        TaskResult result;
        try (Worker worker = node.capsule().startWorker(WorkerOptions.DEFAULT)) {
            result = node.capsule().await(id, Duration.ofSeconds(60)).orElseThrow();
        }

        assertThat(result.success()).isFalse();
        assertThat(result.toString()).doesNotContain("secret.txt");
        assertThat(result.error().message()).contains("symlink");
    }
}
