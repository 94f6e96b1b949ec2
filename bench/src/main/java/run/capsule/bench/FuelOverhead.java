package run.capsule.bench;

import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.NativeLibrary;
import run.capsule.runner.sandbox.WasmSandbox;
import run.capsule.runner.wasm.ModuleRewriter;
import run.capsule.runner.wasm.RewriteOptions;
import run.capsule.runner.wasm.RewrittenModule;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What fuel metering costs: a CPU-bound guest run as it is and as the sandbox rewrites it (same process, same
 * wasmtime engine settings, alternating runs), and the rewriter's throughput on the modules given. Must be
 * started with {@code -Djava.library.path=<cache>/native/0.19.0-linux-x86_64}.
 * Usage: FuelOverhead GUEST.wasm SCALE|JSON_ARGS RUNS [MODULE.wasm ...] (a JSON array gives the guest's arguments,
 * e.g. {@code '["-c", "..."]'} for CPython; anything else is passed as the one argument).
 */
public final class FuelOverhead {
    public static void main(String[] args) throws Exception {
        Path guest = Path.of(args[0]).toAbsolutePath();
        String scale = args.length > 1 ? args[1] : "4";
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        Path cache = NativeLibrary.defaultCacheDir();
        NativeLibrary.requireOnLibraryPath(NativeLibrary.extract(cache));
        Path work = Files.createTempDirectory("capsule-fuel");
        ExecutorService wasm = Executors.newSingleThreadExecutor(r -> new Thread(null, r, "wasm", 64L * 1024 * 1024));
        List<String> guestArgs = scale.startsWith("[")
                ? new com.fasterxml.jackson.databind.ObjectMapper().readValue(scale, new com.fasterxml.jackson.core.type.TypeReference<List<String>>() { })
                : List.of(scale);
        RunAttempt request = new RunAttempt("fuel", "", guest.toString(), "guest", guestArgs, Map.of(), List.of(),
                600_000, 1 << 20, false, 0, 4096);
        try (WasmSandbox plain = WasmSandbox.create(cache, WasmSandbox.Instrumentation.NONE);
             WasmSandbox metered = WasmSandbox.create(cache, WasmSandbox.Instrumentation.FULL)) {
            long[] plainMs = new long[runs];
            long[] meteredMs = new long[runs];
            long fuel = 0;
            for (int i = -3; i < runs; i++) {
                long t0 = System.nanoTime();
                check(wasm.submit(() -> plain.run(request, work, WasmSandbox.StreamWatcher.NONE)).get());
                long t1 = System.nanoTime();
                AttemptResult result = wasm.submit(() -> metered.run(request, work, WasmSandbox.StreamWatcher.NONE)).get();
                long t2 = System.nanoTime();
                check(result);
                fuel = result.fuelConsumed();
                if (i >= 0) {
                    plainMs[i] = (t1 - t0) / 1_000_000;
                    meteredMs[i] = (t2 - t1) / 1_000_000;
                }
            }
            long plainMedian = median(plainMs);
            long meteredMedian = median(meteredMs);
            System.out.printf("fuel overhead: %s scale %s, %d runs each: unmetered median %d ms, metered median %d ms,"
                            + " ratio %.2f; %,d fuel units per run%n",
                    guest.getFileName(), scale, runs, plainMedian, meteredMedian, (double) meteredMedian / plainMedian, fuel);
        } finally {
            wasm.shutdownNow();
        }
        for (int i = 3; i < args.length; i++) {
            rewriterThroughput(Path.of(args[i]));
        }
    }

    private static void rewriterThroughput(Path module) throws Exception {
        byte[] bytes = Files.readAllBytes(module);
        RewriteOptions options = RewriteOptions.defaults().withMaxMemoryPages(4096).withTrackGrowth(true);
        RewrittenModule out = null;
        for (int i = 0; i < 3; i++) {
            out = ModuleRewriter.rewrite(module.getFileName().toString(), bytes, options);
        }
        int rounds = Math.max(3, (int) (200_000_000L / Math.max(1, bytes.length)));
        rounds = Math.min(rounds, 500);
        long t0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            out = ModuleRewriter.rewrite(module.getFileName().toString(), bytes, options);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("rewriter: %s %,d -> %,d bytes, %,d charges, %.1f ms per rewrite, %.0f MB/s of input%n",
                module.getFileName(), bytes.length, out.bytes().length, out.chargePoints(), seconds * 1000 / rounds,
                bytes.length * (double) rounds / seconds / 1e6);
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void check(AttemptResult result) {
        if (!result.succeeded()) {
            throw new IllegalStateException("run failed: " + result.message());
        }
    }
}
