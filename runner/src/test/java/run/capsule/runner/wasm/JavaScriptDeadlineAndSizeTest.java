package run.capsule.runner.wasm;

import run.capsule.protocol.ErrorType;
import run.capsule.protocol.EngineOp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Program;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.guest.Interpreter;
import run.capsule.runner.guest.Interpreters;
import run.capsule.runner.host.EngineLink;
import run.capsule.runner.host.HostCallException;
import run.capsule.runner.host.HostCalls;
import run.capsule.runner.host.HttpGateway;
import run.capsule.runner.sandbox.WasmSandbox;
import run.capsule.runner.testing.Prerequisites;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #11, finding 9a and 9c for JavaScript: a durable sleep or a child wait cut by the attempt's deadline ended as
 * {@code task_error} instead of {@code timeout}; a result over the 2 MiB request limit did not say so.
 */
class JavaScriptDeadlineAndSizeTest {
    @TempDir
    static Path work;
    static WasmSandbox sandbox;
    static ExecutorService wasmThread;
    static Path quickjs;

    @BeforeAll
    static void start() throws Exception {
        try {
            quickjs = Interpreters.ensure(Interpreter.JAVASCRIPT, InProcessWasmtime.CACHE);
        } catch (java.io.IOException e) {
            Prerequisites.missing("quickjs-wasi not available: " + e.getMessage() + " (needs npm on the PATH and access to the npm registry)");
        }
        sandbox = InProcessWasmtime.sandbox(WasmSandbox.Instrumentation.FULL);
        wasmThread = Executors.newSingleThreadExecutor(r -> new Thread(null, r, "wasm", 64L * 1024 * 1024));
    }

    @AfterAll
    static void close() {
        if (wasmThread != null) {
            wasmThread.shutdownNow();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    static AttemptResult runMain(String code, long timeoutMs) throws Exception {
        Path dir = Files.createTempDirectory(work, "src");
        Files.writeString(dir.resolve("task.js"), code);
        Program program = new Program(Program.JAVASCRIPT, dir.toString(), "task.js", Program.RUN, "main", "{}");
        RunAttempt request = new RunAttempt("js", Interpreter.JAVASCRIPT.moduleSha256(), quickjs.toString(), "quickjs", List.of(), Map.of(),
                List.of(), timeoutMs, 1 << 20, false, 0, 1024, List.of(), program);
        Path attemptDir = Files.createTempDirectory(work, "attempt");
        return wasmThread.submit(() -> sandbox.run(request, attemptDir, WasmSandbox.StreamWatcher.NONE)).get();
    }

    @Test
    void aSleepCutByTheDeadlineIsATimeout() throws Exception {
        for (String code : List.of(
                "import { task, sleep } from \"capsule\";\ntask({ name: \"main\" }, () => { sleep(30); return 1; });\n",
                "import { task, sleep } from \"capsule\";\ntask({ name: \"main\" }, async () => { await null; sleep(30); return 1; });\n",
                "import { task, sleep } from \"capsule\";\ntask({ name: \"main\" }, () => { try { sleep(30); } catch (e) { return 'caught ' + e; } return 1; });\n")) {
            long started = System.nanoTime();
            AttemptResult result = runMain(code, 600);

            assertThat(result.errorType()).as(code + "\n" + result.message()).isEqualTo("timeout");
            assertThat(result.value()).isNull();
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
        }
    }

    @Test
    void aChildWaitCutByTheDeadlineIsATimeout() throws Exception {
        sandbox.serveHostCalls(HostCalls.withHttp(HttpGateway.newClient(), InetAddress::getAllByName, new SilentEngine()));
        try {
            for (String code : List.of(
                    "import { task, call } from \"capsule\";\ntask({ name: \"main\" }, async () => (await call(\"child\", 1)).result);\n",
                    "import { task, call } from \"capsule\";\ntask({ name: \"main\" }, async () => { try { return await call(\"child\", 1); } catch (e) { return 'caught ' + e; } });\n")) {
                AttemptResult result = runMain(code, 600);

                assertThat(result.errorType()).as(code + "\n" + result.message()).isEqualTo("timeout");
                assertThat(result.value()).isNull();
            }
        } finally {
            sandbox.serveHostCalls(HostCalls.BASIC);
        }
    }

    @Test
    void aResultOverTwoMebibytesSaysTheLimit() throws Exception {
        AttemptResult result = runMain("import { task } from \"capsule\";\ntask({ name: \"main\" }, () => \"x\".repeat(3 * 1024 * 1024));\n", 30_000);

        assertThat(result.errorType()).as(result.message()).isEqualTo("task_error");
        assertThat(result.message()).contains("result").contains("larger than the 2 MiB limit");
    }

    @Test
    void aResultJustUnderTheLimitIsReported() throws Exception {
        AttemptResult result = runMain("import { task } from \"capsule\";\ntask({ name: \"main\" }, () => \"x\".repeat(2 * 1024 * 1024 - 100));\n", 30_000);

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).hasSize(2 * 1024 * 1024 - 98);
    }

    /** Starts children and never finishes them: a wait lasts until the attempt's deadline, as {@code EngineCalls} does. */
    static final class SilentEngine implements EngineLink {
        private final ObjectMapper json = new ObjectMapper();

        @Override
        public ObjectNode call(String attemptId, EngineOp engineOp, long deadlineNanos) throws HostCallException {
            JsonNode request = new ObjectMapper().valueToTree(engineOp);
            if (request.path("op").asText().equals("task.start")) {
                return json.createObjectNode().put("id", "c1");
            }
            long left;
            while ((left = deadlineNanos - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
            throw new HostCallException(ErrorType.TIMEOUT, "the attempt's deadline passed while the engine served \"" + request.path("op").asText() + "\"");
        }
    }
}
