package run.capsule.runner.wasm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.sandbox.WasmSandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real C programs (clang -O0 and -O2, with and without SIMD and bulk memory) print the same thing as they
 * are and as the sandbox rewrites them, and the rewritten ones consume the same fuel every run.
 */
class InstrumentedEquivalenceTest {
    private static final Path GUESTS = Path.of("src", "test", "wasm");
    @TempDir
    static Path work;
    static WasmSandbox plain;
    static WasmSandbox instrumented;
    static ExecutorService wasmThread;

    @BeforeAll
    static void open() throws Exception {
        plain = InProcessWasmtime.sandbox(WasmSandbox.Instrumentation.NONE);
        instrumented = InProcessWasmtime.sandbox(WasmSandbox.Instrumentation.FULL);
        wasmThread = Executors.newSingleThreadExecutor(r -> new Thread(null, r, "wasm", 64L * 1024 * 1024));
    }

    @AfterAll
    static void close() {
        if (wasmThread != null) {
            wasmThread.shutdownNow();
        }
        if (plain != null) {
            plain.close();
        }
        if (instrumented != null) {
            instrumented.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"compute-O0.wasm", "compute-O2.wasm", "compute-O2-simd.wasm", "compute-O2-bulk.wasm",
            "compute-O2-simd-bulk.wasm"})
    void rewrittenProgramsPrintWhatTheOriginalsPrint(String guest) throws Exception {
        RunAttempt request = new RunAttempt("eq", "", GUESTS.resolve(guest).toAbsolutePath().toString(), "compute",
                List.of("1"), Map.of(), List.of(), 60_000, 1 << 20, false, 0, 256);

        AttemptResult original = run(plain, request);
        AttemptResult rewritten = run(instrumented, request);
        AttemptResult again = run(instrumented, request);

        assertThat(original.succeeded()).as(original.message()).isTrue();
        assertThat(original.stdout()).startsWith("sieve 17984\n").contains("fib 6765\n");
        assertThat(rewritten.succeeded()).as(rewritten.message()).isTrue();
        assertThat(rewritten.stdout()).isEqualTo(original.stdout());
        assertThat(rewritten.fuelConsumed()).isPositive().isEqualTo(again.fuelConsumed());
        assertThat(original.fuelConsumed()).isNull();
    }

    private static AttemptResult run(WasmSandbox sandbox, RunAttempt request) throws Exception {
        Path dir = Files.createTempDirectory(work, "attempt");
        Callable<AttemptResult> attempt = () -> sandbox.run(request, dir, WasmSandbox.StreamWatcher.NONE);
        return wasmThread.submit(attempt).get();
    }
}
