package run.capsule.engine;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/** JavaScript tasks through the whole engine: real QuickJS (fetched by pinned npm package), real runners, a real H2 file. */
class JavaScriptTasksTest {
    @TempDir
    static Path dir;
    static Capsule capsule;
    static HttpServer server;
    static final AtomicInteger hits = new AtomicInteger();

    @BeforeAll
    static void open() throws Exception {
        capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(2).build());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            hits.incrementAndGet();
            byte[] body = "{\"price\": 42}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void close() {
        server.stop(0);
        capsule.close();
    }

    private static Path source(String name, String code) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, code);
        return file;
    }

    @Test
    void helloReturnsWhatMainReturns() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.sample("javascript/hello.js")).arg("Ada").build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("greeting").asText()).isEqualTo("Hello, Ada!");
        assertThat(capsule.task(result.execution().taskId()).orElseThrow().configJson()).contains("\"language\":\"javascript\"");
    }

    @Test
    void localModulesAreJournaledWithTheSourceForTheTaskAndItsChildren() throws Exception {
        Path project = Files.createDirectories(dir.resolve("js-project"));
        Files.createDirectories(project.resolve("lib"));
        Files.writeString(project.resolve("lib/words.js"), "import { factor } from \"../factor.mjs\";\nexport const score = (w) => w.length * factor;\n");
        Files.writeString(project.resolve("factor.mjs"), "export const factor = 10;\n");
        Path source = Files.writeString(project.resolve("main.js"), """
                import { task } from "capsule";
                import { score } from "./lib/words.js";

                export const rate = task({ name: "rate" }, async (word) => (await import("./lib/words.js")).score(word));
                export const main = task({ name: "main" }, async (word) => ({ direct: score(word), child: (await rate(word)).result }));
                """);

        TaskResult result = capsule.run(TaskSpec.builder(source).arg("ada").build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().toString()).isEqualTo("{\"direct\":30,\"child\":30}");
        assertThat(capsule.task(result.execution().taskId()).orElseThrow().configJson()).contains("\"files\":[\"factor.mjs\",\"lib/words.js\"]");
    }

    @Test
    void aCsvIsReadFromTheReadOnlyGrantTheTaskDeclares() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.sample("javascript/sales.js"))
                .mount(MountSpec.parse(TestModules.sample("python/sales.py").getParent().resolve("data") + ":ro", Path.of("/"))).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("best_seller").asText()).isEqualTo("widget");
        assertThat(result.result().path("revenue_by_region").path("east").asDouble()).isEqualTo(100.0);
    }

    @Test
    void promiseAllRunsChildrenInTheirOwnSandboxes() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.sample("javascript/agent.js")).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("failed").path("loop").asText()).isEqualTo("fuel_exhausted");
        assertThat(result.result().path("total").asInt()).isEqualTo(28);
        List<TaskRow> children = capsule.children(result.execution().taskId());
        assertThat(children).hasSize(4).allSatisfy(c -> assertThat(c.configJson()).contains("\"ram_bytes\":" + 32L * 1024 * 1024));
        assertThat(children).filteredOn(c -> c.status() == TaskStatus.SUCCEEDED).hasSize(3);
    }

    @Test
    void anEndlessLoopIsStoppedByTheTimeoutMainDeclares() throws Exception {
        Path file = source("spin.js", "import { task } from \"capsule\";\n"
                + "export const main = task({ name: \"main\", compute: \"HIGH\", timeout: \"1s\" }, () => { for (;;) {} });\n");
        TaskResult result = capsule.run(TaskSpec.builder(file).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("timeout");
    }

    @Test
    void fetchReachesOnlyTheGrantedHost() throws Exception {
        int port = server.getAddress().getPort();
        Path file = source("quote.js", "import { task, fetch } from \"capsule\";\n"
                + "export const main = task({ name: \"main\", allowedHosts: [\"127.0.0.1:" + port + "\"] }, async () => {\n"
                + "  const granted = await (await fetch(\"http://127.0.0.1:" + port + "/quote\")).json();\n"
                + "  let refused = null;\n"
                + "  try { await fetch(\"http://127.0.0.1:" + (port == 65535 ? 1 : port + 1) + "/quote\"); } catch (e) { refused = e.message; }\n"
                + "  return { price: granted.price, refused };\n"
                + "});\n");
        int before = hits.get();
        TaskResult result = capsule.run(TaskSpec.builder(file).allowHost(HostPattern.parse("127.0.0.1:" + port)).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("price").asInt()).isEqualTo(42);
        assertThat(result.result().path("refused").asText()).contains("not granted");
        assertThat(hits.get() - before).isEqualTo(1);
        assertThat(result.execution().hostRequests()).hasSize(2);
    }

    @Test
    void aSyntaxErrorIsRefusedWithItsLineBeforeAnythingIsJournaled() throws Exception {
        int before = capsule.recentTasks(10_000).size();
        Path file = source("broken.js", "import { task } from \"capsule\";\n\nexport const main = task({ name: \"main\" }, () => {\n  return {;\n});\n");
        TaskResult result = capsule.run(TaskSpec.builder(file).build());

        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains("SyntaxError").contains("broken.js").contains("4").doesNotContain("\n");
        assertThat(capsule.recentTasks(10_000)).hasSize(before);
    }
}
