package run.capsule.runner.guest;

import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Mount;
import run.capsule.protocol.Program;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.NativeLibrary;
import run.capsule.runner.sandbox.WasmSandbox;
import run.capsule.runner.testing.Prerequisites;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Real CPython (the pinned npm interpreter, fetched into the default cache) in an in-process sandbox, on a thread
 * with a large native stack, as the runner runs it.
 */
final class PythonGuest implements AutoCloseable {
    static final Path CACHE = Path.of("target", "capsule-cache").toAbsolutePath();

    final WasmSandbox sandbox;
    final Path interpreter;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(null, r, "wasm", 64L * 1024 * 1024));
    private final Path work;
    private int attempts;

    private PythonGuest(WasmSandbox sandbox, Path interpreter, Path work) {
        this.sandbox = sandbox;
        this.interpreter = interpreter;
        this.work = work;
    }

    static PythonGuest start(Path work) throws IOException {
        Path interpreter;
        try {
            interpreter = Interpreters.ensure(Interpreter.PYTHON, NativeLibrary.defaultCacheDir());
        } catch (IOException e) {
            Prerequisites.missing("the Python interpreter cannot be fetched: " + e.getMessage() + " (needs npm on the PATH and access to the npm registry)");
            throw e;
        }
        Path dir = NativeLibrary.extract(CACHE);
        try {
            NativeLibrary.requireOnLibraryPath(dir);
        } catch (IllegalStateException e) {
            Prerequisites.missing("wasmtime not loaded in-process: " + e.getMessage()
                    + " (run the tests through Maven, whose surefire argLine puts target/capsule-cache/native on java.library.path)");
        }
        return new PythonGuest(WasmSandbox.create(CACHE), interpreter, work);
    }

    /** An attempt for {@code file} in {@code sourceDir}: 60 s, 256 MiB, no fuel limit, no grants. */
    Attempt attempt(Path sourceDir, String file, String mode) {
        return new Attempt(sourceDir, file, mode, "main", "{\"args\":[],\"kwargs\":{}}", 60_000, 0, 4096, List.of(), List.of());
    }

    record Attempt(Path sourceDir, String file, String mode, String task, String input, long timeoutMs, long fuel, long pages,
                   List<String> hosts, List<Mount> mounts) {
        Attempt task(String name, String inputJson) {
            return new Attempt(sourceDir, file, mode, name, inputJson, timeoutMs, fuel, pages, hosts, mounts);
        }

        Attempt limits(long timeoutMs, long fuel, long pages) {
            return new Attempt(sourceDir, file, mode, task, input, timeoutMs, fuel, pages, hosts, mounts);
        }

        Attempt grants(List<String> hosts, List<Mount> mounts) {
            return new Attempt(sourceDir, file, mode, task, input, timeoutMs, fuel, pages, hosts, mounts);
        }
    }

    AttemptResult run(Attempt a) throws Exception {
        return run(a, RunAttempt.DEFAULT_WRITE_QUOTA_BYTES);
    }

    /** {@link #run(Attempt)} with a quota on the bytes written to the read-write grants. */
    AttemptResult run(Attempt a, long writeQuotaBytes) throws Exception {
        RunAttempt request = new RunAttempt("py-" + attempts, Interpreter.PYTHON.moduleSha256(), interpreter.toString(), "python",
                List.of(), Map.of(), a.mounts(), a.timeoutMs(), 1 << 20, false, a.fuel(), a.pages(), a.hosts(),
                new Program(Program.PYTHON, a.sourceDir().toString(), a.file(), a.mode(), a.task(), a.input())).withWriteQuota(writeQuotaBytes);
        Path dir = work.resolve("attempt-" + attempts++);
        Files.createDirectories(dir);
        return thread.submit(() -> sandbox.run(request, dir, WasmSandbox.StreamWatcher.NONE)).get(5, TimeUnit.MINUTES);
    }

    /** A fresh source directory holding {@code file}. */
    Path source(String file, String code) throws IOException {
        Path dir = Files.createTempDirectory(work, "src");
        Files.writeString(dir.resolve(file), code);
        return dir;
    }

    /** Everything a failed assertion should show. */
    static String why(AttemptResult r) {
        return r.errorType() + ": " + r.message() + "\n" + r.errorDetail() + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr();
    }

    @Override
    public void close() {
        thread.shutdownNow();
        sandbox.close();
    }
}
