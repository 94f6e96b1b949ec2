package run.capsule.bench;

import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.NativeLibrary;
import run.capsule.runner.sandbox.WasmSandbox;
import run.capsule.store.ModuleStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;

/**
 * The ceiling for the engine: the runner's per-attempt path (as {@link RawSandboxRate}) in {@code threads} threads of one
 * process, each with its own sandbox, all running at once. Returns runs per second over all threads.
 */
final class ParallelSandboxRate {
    private ParallelSandboxRate() {
    }

    static double measure(Path module, int threads, int runsPerThread) throws Exception {
        Path cache = NativeLibrary.defaultCacheDir();
        NativeLibrary.requireOnLibraryPath(NativeLibrary.extract(cache));
        String sha = ModuleStore.sha256(Files.readAllBytes(module));
        RunAttempt request = new RunAttempt("raw", sha, module.toString(), "hello", List.of("bench"), Map.of(), List.of(),
                10_000, 1 << 20, false);
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        CyclicBarrier end = new CyclicBarrier(threads + 1);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try (WasmSandbox sandbox = WasmSandbox.create(cache)) {
                    Path work = Files.createTempDirectory("capsule-raw");
                    for (int i = 0; i < Math.max(200, runsPerThread / 5); i++) {
                        check(sandbox.run(request, work, WasmSandbox.StreamWatcher.NONE));
                    }
                    start.await();
                    for (int i = 0; i < runsPerThread; i++) {
                        check(sandbox.run(request, work, WasmSandbox.StreamWatcher.NONE));
                    }
                    end.await();
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                    start.reset();
                    end.reset();
                }
            }, "raw-" + t);
            workers.add(thread);
            thread.start();
        }
        start.await();
        long t0 = System.nanoTime();
        end.await();
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (Thread thread : workers) {
            thread.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("raw run failed", failures.get(0));
        }
        return threads * runsPerThread / seconds;
    }

    private static void check(AttemptResult result) {
        if (!result.succeeded()) {
            throw new IllegalStateException("run failed: " + result.message());
        }
    }
}
