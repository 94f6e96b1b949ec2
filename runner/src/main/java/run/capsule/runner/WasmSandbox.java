package run.capsule.runner;

import io.github.kawamuray.wasmtime.Config;
import io.github.kawamuray.wasmtime.Disposable;
import io.github.kawamuray.wasmtime.Engine;
import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.ImportType;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Linker;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Trap;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;
import io.github.kawamuray.wasmtime.wasi.DirCaps;
import io.github.kawamuray.wasmtime.wasi.FileCaps;
import io.github.kawamuray.wasmtime.wasi.WasiCtx;
import io.github.kawamuray.wasmtime.wasi.WasiCtxBuilder;
import run.capsule.runner.protocol.AttemptResult;
import run.capsule.runner.protocol.Mount;
import run.capsule.runner.protocol.RunAttempt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one owner of the wasmtime-java binding. Engine, Linker, compiled Modules, Stores, Instances and Funcs
 * never leave this class: misusing them (a disposed store, a foreign engine) aborts the JVM, so every
 * per-attempt object is created and disposed inside {@link #run}.
 */
public final class WasmSandbox implements AutoCloseable {
    static final long TICK_MS = 10;
    private static final int COMPILED_MODULES_KEPT = 16;
    private static final Set<DirCaps> READ_ONLY_DIR = EnumSet.of(
            DirCaps.OPEN, DirCaps.READDIR, DirCaps.PATH_FILESTAT_GET, DirCaps.FILESTAT_GET);
    private static final Set<FileCaps> READ_ONLY_FILE = EnumSet.of(
            FileCaps.READ, FileCaps.SEEK, FileCaps.TELL, FileCaps.FILESTAT_GET, FileCaps.FDSTAT_SET_FLAGS);
    private static final Set<DirCaps> READ_WRITE_DIR = EnumSet.complementOf(EnumSet.of(DirCaps.SYMLINK));
    private static final Set<FileCaps> READ_WRITE_FILE = EnumSet.allOf(FileCaps.class);

    private final Engine engine;
    private final Linker linker;
    private final Thread ticker;
    private final Map<String, Module> compiled = new LinkedHashMap<>(16, 0.75f, true);

    private WasmSandbox(Engine engine, Linker linker) {
        this.engine = engine;
        this.linker = linker;
        this.ticker = new Thread(this::tick, "capsule-epoch-ticker");
        this.ticker.setDaemon(true);
        this.ticker.start();
    }

    /** Creates the engine with epoch interruption and wasmtime's on-disk compile cache under {@code cacheDir}. */
    public static WasmSandbox create(Path cacheDir) throws IOException {
        Path compileCache = cacheDir.resolve("wasmtime-" + NativeLibrary.WASMTIME_VERSION);
        Files.createDirectories(compileCache);
        Path cacheConfig = cacheDir.resolve("wasmtime-" + NativeLibrary.WASMTIME_VERSION + "-cache.toml");
        String toml = "[cache]\nenabled = true\ndirectory = \"" + compileCache.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n";
        if (!Files.exists(cacheConfig) || !Files.readString(cacheConfig).equals(toml)) {
            Path temp = Files.createTempFile(cacheDir, "cache", ".toml");
            Files.writeString(temp, toml);
            Files.move(temp, cacheConfig, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Config config = new Config();
        try {
            config.epochInterruption(true);
            config.wasmThreads(false);
            config.cacheConfigLoad(cacheConfig);
            Engine engine = new Engine(config);
            Linker linker = new Linker(engine);
            WasiCtx.addToLinker(linker);
            return new WasmSandbox(engine, linker);
        } finally {
            config.dispose();
        }
    }

    /** Runs one attempt to its end. Never throws for guest behaviour; the result says what happened. */
    public AttemptResult run(RunAttempt request, Path workDir, StreamWatcher watcher) {
        long started = System.nanoTime();
        OutputFile stdout;
        OutputFile stderr;
        try {
            Files.createDirectories(workDir);
            stdout = new OutputFile(workDir.resolve("stdout"));
            stderr = new OutputFile(workDir.resolve("stderr"));
        } catch (IOException e) {
            return failure(request, "internal_error", "cannot prepare guest output files: " + e.getMessage(), started);
        }
        Module module;
        try {
            module = compile(request);
        } catch (WasmtimeException e) {
            return failure(request, "invalid_input", request.programName() + " is not a valid module: " + oneLine(e.getMessage()), started);
        } catch (IOException e) {
            return failure(request, "internal_error", "cannot read module file: " + e.getMessage(), started);
        }

        WasiCtx wasi = new WasiCtxBuilder()
                .arg(request.programName())
                .args(request.args())
                .stdout(stdout.path())
                .stderr(stderr.path())
                .build();
        request.env().forEach(wasi::pushEnv);
        int fd = 3;
        for (Mount mount : request.mounts()) {
            wasi.insertDir(fd++, Path.of(mount.hostPath()),
                    mount.readOnly() ? READ_ONLY_DIR : READ_WRITE_DIR,
                    mount.readOnly() ? READ_ONLY_FILE : READ_WRITE_FILE,
                    Path.of(mount.guestPath()));
        }
        List<Disposable> owned = new ArrayList<>();
        Store<Void> store = new Store<>(null, engine, wasi);
        Integer exitCode = null;
        String trap = null;
        String errorType = null;
        String message = null;
        Long ramUsed = null;
        watcher.start(stdout, stderr);
        try {
            List<Extern> externs = new ArrayList<>();
            for (ImportType imp : module.imports()) {
                Optional<Extern> found = linker.get(store, imp.module(), imp.name());
                if (found.isEmpty()) {
                    return failure(request, "invalid_input", request.programName() + " imports " + imp.module() + "." + imp.name()
                            + ", which the sandbox does not provide", started);
                }
                externs.add(found.get());
                own(owned, found.get());
            }
            Instance instance;
            try {
                instance = new Instance(store, module, externs);
            } catch (WasmFunctionError e) {
                throw e;
            } catch (WasmtimeException e) {
                return failure(request, "invalid_input", request.programName() + " cannot be instantiated: " + oneLine(e.getMessage()), started);
            }
            owned.add(instance);
            Optional<Func> start = instance.getFunc(store, "_start");
            if (start.isEmpty()) {
                return failure(request, "invalid_input", request.programName() + " exports no _start function", started);
            }
            owned.add(start.get());
            store.setEpochDeadline(request.timeoutMs() > 0 ? request.timeoutMs() / TICK_MS + 1 : Long.MAX_VALUE / 4);
            try {
                start.get().call(store);
                exitCode = 0;
            } catch (WasmFunctionError.I32ExitError e) {
                exitCode = e.exitCode();
            } catch (WasmFunctionError.TrapError e) {
                trap = e.trap().name();
                if (e.trap() == Trap.INTERRUPT) {
                    errorType = "timeout";
                    message = "timed out after " + request.timeoutMs() + " ms";
                } else {
                    errorType = "task_error";
                    message = "trap: " + describe(e.trap());
                }
            } catch (WasmtimeException e) {
                errorType = "task_error";
                message = "trap: " + oneLine(e.getMessage());
            }
            Optional<Memory> memory = instance.getMemory(store, "memory");
            if (memory.isPresent()) {
                owned.add(memory.get());
                ramUsed = memory.get().dataSize(store);
            }
        } catch (WasmFunctionError.TrapError e) {
            errorType = "task_error";
            trap = e.trap().name();
            message = "trap during start-up: " + describe(e.trap());
        } catch (RuntimeException e) {
            errorType = "internal_error";
            message = "sandbox failure: " + oneLine(String.valueOf(e.getMessage()));
        } finally {
            watcher.stop();
            for (int i = owned.size() - 1; i >= 0; i--) {
                owned.get(i).dispose();
            }
            store.dispose();
        }
        if (errorType == null && exitCode != null && exitCode != 0) {
            errorType = "task_error";
            message = "exited with code " + exitCode;
        }
        try {
            OutputFile.Captured out = stdout.read(request.outputLimitBytes());
            OutputFile.Captured err = stderr.read(request.outputLimitBytes());
            return new AttemptResult(request.attemptId(), exitCode, trap, errorType, message,
                    out.text(), out.truncated(), err.text(), err.truncated(), elapsedMs(started), ramUsed, null, false);
        } catch (IOException e) {
            return failure(request, "internal_error", "cannot read guest output: " + e.getMessage(), started);
        }
    }

    private Module compile(RunAttempt request) throws IOException {
        Module module = compiled.get(request.moduleSha256());
        if (module != null) {
            return module;
        }
        byte[] bytes = Files.readAllBytes(Path.of(request.modulePath()));
        module = Module.fromBinary(engine, bytes);
        compiled.put(request.moduleSha256(), module);
        if (compiled.size() > COMPILED_MODULES_KEPT) {
            var eldest = compiled.entrySet().iterator().next();
            compiled.remove(eldest.getKey());
            eldest.getValue().dispose();
        }
        return module;
    }

    private static void own(List<Disposable> owned, Extern extern) {
        switch (extern.type()) {
            case FUNC -> owned.add(extern.func());
            case MEMORY -> owned.add(extern.memory());
            case TABLE -> owned.add(extern.table());
            case GLOBAL -> owned.add(extern.global());
            default -> {
            }
        }
    }

    private static String describe(Trap trap) {
        return switch (trap) {
            case STACK_OVERFLOW -> "call stack exhausted";
            case MEMORY_OUT_OF_BOUNDS -> "out of bounds memory access";
            case HEAP_MISALIGNED -> "misaligned memory access";
            case TABLE_OUT_OF_BOUNDS -> "undefined element: out of bounds table access";
            case INDIRECT_CALL_TO_NULL -> "uninitialized element in indirect call";
            case BAD_SIGNATURE -> "indirect call type mismatch";
            case INTEGER_OVERFLOW -> "integer overflow";
            case INTEGER_DIVISION_BY_ZERO -> "integer divide by zero";
            case BAD_CONVERSION_TO_INTEGER -> "invalid conversion to integer";
            case UNREACHABLE_CODE_REACHED -> "unreachable executed";
            case INTERRUPT -> "interrupted";
            default -> trap.name().toLowerCase().replace('_', ' ');
        };
    }

    private static AttemptResult failure(RunAttempt request, String errorType, String message, long started) {
        return new AttemptResult(request.attemptId(), null, null, errorType, message, "", false, "", false, elapsedMs(started), null, null, false);
    }

    private static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    static String oneLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        String joined = String.join(": ", s.strip().lines().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("Caused by") && !line.matches("\\d+:.*")).limit(3).toList());
        return joined.length() > 500 ? joined.substring(0, 500) + "..." : joined;
    }

    private void tick() {
        while (true) {
            try {
                Thread.sleep(TICK_MS);
            } catch (InterruptedException e) {
                return;
            }
            engine.incrementEpoch();
        }
    }

    @Override
    public void close() {
        ticker.interrupt();
        try {
            ticker.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        compiled.values().forEach(Module::dispose);
        compiled.clear();
        linker.dispose();
        engine.dispose();
    }

    /** Watches the guest's output files while an attempt runs. */
    public interface StreamWatcher {
        void start(OutputFile stdout, OutputFile stderr);

        void stop();

        StreamWatcher NONE = new StreamWatcher() {
            @Override
            public void start(OutputFile stdout, OutputFile stderr) {
            }

            @Override
            public void stop() {
            }
        };
    }
}
