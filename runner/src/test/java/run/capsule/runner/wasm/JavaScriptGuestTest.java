package run.capsule.runner.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.runner.WasmSandbox;
import run.capsule.runner.guest.Interpreter;
import run.capsule.runner.guest.Interpreters;
import run.capsule.runner.host.HostCalls;
import run.capsule.runner.protocol.AttemptResult;
import run.capsule.runner.protocol.Mount;
import run.capsule.runner.protocol.Program;
import run.capsule.runner.protocol.RunAttempt;

/** JavaScript tasks on the real quickjs-wasi reactor, in-process (docs/languages.md). */
class JavaScriptGuestTest {
    static final String HELLO = """
            import { task } from "capsule";

            export const main = task({ name: "main", compute: "LOW", ram: "64MB", maxRetries: 1, allowedHosts: ["api.example.com"] },
                                     (...args) => ({ hello: args[0] ?? "world" }));
            """;

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
            Assumptions.abort("quickjs-wasi not available: " + e.getMessage());
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

    static Path source(String name, String code) throws Exception {
        Path dir = Files.createTempDirectory(work, "src");
        Files.writeString(dir.resolve(name), code);
        return dir.resolve(name);
    }

    static RunAttempt attempt(Path file, String mode, String task, String input) {
        return attempt(file, mode, task, input, 30_000, 0, 1024, List.of(), List.of());
    }

    static RunAttempt attempt(Path file, String mode, String task, String input, long timeoutMs, long fuel, long pages,
                              List<Mount> mounts, List<String> hosts) {
        Program program = new Program(Program.JAVASCRIPT, file.getParent().toString(), file.getFileName().toString(), mode, task, input);
        return new RunAttempt("js", Interpreter.JAVASCRIPT.moduleSha256(), quickjs.toString(), "quickjs", List.of(), Map.of(),
                mounts, timeoutMs, 1 << 20, false, fuel, pages, hosts, program);
    }

    static AttemptResult run(RunAttempt request) throws Exception {
        return run(sandbox, request);
    }

    static AttemptResult run(WasmSandbox on, RunAttempt request) throws Exception {
        Path dir = Files.createTempDirectory(work, "attempt");
        Callable<AttemptResult> attempt = () -> on.run(request, dir, WasmSandbox.StreamWatcher.NONE);
        return wasmThread.submit(attempt).get();
    }

    @Test
    void helloDescribesItsTasks() throws Exception {
        AttemptResult result = run(attempt(source("hello.js", HELLO), Program.DESCRIBE, null, null));

        assertThat(result.succeeded()).as(result.message() + result.stderr()).isTrue();
        assertThat(result.value()).isEqualTo("{\"tasks\":{\"main\":{\"name\":\"main\",\"compute\":\"LOW\",\"ram\":\"64MB\","
                + "\"maxRetries\":1,\"allowedHosts\":[\"api.example.com\"]}}}");
    }

    @Test
    void helloRuns() throws Exception {
        AttemptResult result = run(attempt(source("hello.js", HELLO), Program.RUN, "main", "{\"args\":[\"capsule\"]}"));

        assertThat(result.succeeded()).as(result.message() + result.stderr()).isTrue();
        assertThat(result.value()).isEqualTo("{\"hello\":\"capsule\"}");
        assertThat(result.fuelConsumed()).isPositive();
    }
}
