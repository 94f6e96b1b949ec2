package run.capsule.bench;

import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.NativeLibrary;
import run.capsule.runner.sandbox.WasmSandbox;
import run.capsule.store.ModuleStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The same module without the engine: the runner's per-attempt path (WASI context, instantiate, _start,
 * capture stdout, dispose) in one process and one thread. Must be started with
 * {@code -Djava.library.path=<cache>/native/0.19.0-linux-x86_64}. Usage: RawSandboxRate MODULE [runs]
 */
public final class RawSandboxRate {
    public static void main(String[] args) throws Exception {
        Path module = Path.of(args[0]).toAbsolutePath();
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        Path cache = NativeLibrary.defaultCacheDir();
        NativeLibrary.requireOnLibraryPath(NativeLibrary.extract(cache));
        String sha = ModuleStore.sha256(Files.readAllBytes(module));
        Path work = Files.createTempDirectory("capsule-raw");
        try (WasmSandbox sandbox = WasmSandbox.create(cache)) {
            RunAttempt request = new RunAttempt("raw", sha, module.toString(), "hello", List.of("bench"), Map.of(), List.of(),
                    10_000, 1 << 20, false);
            for (int i = 0; i < Math.max(200, runs / 5); i++) {
                check(sandbox.run(request, work, WasmSandbox.StreamWatcher.NONE));
            }
            long[] latencies = new long[runs];
            long started = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                check(sandbox.run(request, work, WasmSandbox.StreamWatcher.NONE));
                latencies[i] = (System.nanoTime() - t0) / 1000;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("raw: %d runs in one thread: %.1f runs/s; per run %s%n", runs, runs / seconds,
                    Percentiles.of(latencies).describeMillis());
        }
    }

    private static void check(AttemptResult result) {
        if (!result.succeeded()) {
            throw new IllegalStateException("run failed: " + result.message());
        }
    }
}
