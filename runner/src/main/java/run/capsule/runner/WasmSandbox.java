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
import io.github.kawamuray.wasmtime.Val;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;
import io.github.kawamuray.wasmtime.wasi.DirCaps;
import io.github.kawamuray.wasmtime.wasi.FileCaps;
import io.github.kawamuray.wasmtime.wasi.WasiCtx;
import io.github.kawamuray.wasmtime.wasi.WasiCtxBuilder;
import run.capsule.runner.guest.JavaScriptModules;
import run.capsule.runner.protocol.AttemptResult;
import run.capsule.runner.protocol.Mount;
import run.capsule.runner.protocol.Program;
import run.capsule.runner.guest.PythonLaunch;
import run.capsule.runner.protocol.RunAttempt;
import run.capsule.runner.host.HostCallDispatcher;
import run.capsule.runner.host.HostCallExchange;
import run.capsule.runner.host.WasiChannel;
import run.capsule.runner.host.HostCalls;
import run.capsule.runner.host.HostRequestLog;
import run.capsule.runner.host.GuestReport;
import run.capsule.runner.host.HostCallException;
import run.capsule.runner.host.StepLog;
import run.capsule.runner.host.WasiSteps;
import run.capsule.runner.host.WriteQuota;
import run.capsule.runner.wasm.HostCallImport;
import run.capsule.runner.wasm.InvalidModuleException;
import run.capsule.runner.wasm.PollForwarder;
import run.capsule.runner.wasm.QuickJsStubs;
import run.capsule.runner.wasm.RewriteOptions;
import run.capsule.runner.wasm.WasiForwarder;
import run.capsule.runner.wasm.WasiPreview1;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The one owner of the wasmtime-java binding. Engine, Linker, compiled Modules, Stores, Instances and Funcs
 * never leave this class: misusing them (a disposed store, a foreign engine) aborts the JVM, so every
 * per-attempt object is created and disposed inside {@link #run}. Runs one attempt at a time.
 *
 * <p>Every module is rewritten before it is compiled (see docs/fuel.md): fuel metering, the attempt's memory
 * cap, growth tracking, no custom sections, size refusals. Compiled modules are kept in an LRU keyed like the
 * instrumented bytes on disk, and compiled through a second handle to the engine so that a long compile never
 * holds up the epoch ticker.
 */
public final class WasmSandbox implements AutoCloseable {
    static final long TICK_MS = 10;
    /** The exit code a host function throws when the attempt's deadline came while it blocked; WASI exits stop at 125. */
    static final int DEADLINE_EXIT = 0x7ca9_5e1d;
    /**
     * The fuel a Python or JavaScript task may spend before its function begins (interpreter start-up, loading the
     * source) when its own budget is smaller; the budget is refilled at {@code begin} (docs/languages.md).
     */
    static final long PROGRAM_START_FUEL = 5_000_000_000L;
    /** The exit code a host function throws when a step stops the guest (nondeterminism, suspended): see {@link StepLog#stop()}. */
    static final int STEP_EXIT = 0x7ca9_57e9;
    private static final FuncType CLOCK_TIME_GET_TYPE = new FuncType(
            new Val.Type[] {Val.Type.I32, Val.Type.I64, Val.Type.I32}, new Val.Type[] {Val.Type.I32});
    private static final FuncType RANDOM_GET_TYPE = new FuncType(
            new Val.Type[] {Val.Type.I32, Val.Type.I32}, new Val.Type[] {Val.Type.I32});
    private static final List<WasiForwarder.Function> STEP_FUNCTIONS = List.of(
            new WasiForwarder.Function("clock_time_get", List.of(WasiForwarder.I32, WasiForwarder.I64, WasiForwarder.I32)),
            new WasiForwarder.Function("random_get", List.of(WasiForwarder.I32, WasiForwarder.I32)));
    private static final int COMPILED_MODULES_KEPT = 16;
    private static final long NO_DEADLINE_TICKS = Long.MAX_VALUE / 4;
    private static final FuncType POLL_ONEOFF_TYPE = new FuncType(
            new Val.Type[] {Val.Type.I32, Val.Type.I32, Val.Type.I32, Val.Type.I32}, new Val.Type[] {Val.Type.I32});
    private static final FuncType HOST_CALL_TYPE = POLL_ONEOFF_TYPE;
    private static final List<WasiForwarder.Function> CHANNEL_FUNCTIONS = channelFunctions();
    private static final int ERRNO_FAULT = 21;
    private static final int ERRNO_NOSYS = 52;
    private static final Set<DirCaps> READ_ONLY_DIR = EnumSet.of(
            DirCaps.OPEN, DirCaps.READDIR, DirCaps.PATH_FILESTAT_GET, DirCaps.FILESTAT_GET);
    private static final Set<FileCaps> READ_ONLY_FILE = EnumSet.of(
            FileCaps.READ, FileCaps.SEEK, FileCaps.TELL, FileCaps.FILESTAT_GET, FileCaps.FDSTAT_SET_FLAGS);
    private static final Set<DirCaps> READ_WRITE_DIR = EnumSet.complementOf(EnumSet.of(DirCaps.SYMLINK));
    /** All but ALLOCATE: {@code fd_allocate} would reserve disk space past the write quota ({@link GrantWrites}). */
    private static final Set<FileCaps> READ_WRITE_FILE = EnumSet.complementOf(EnumSet.of(FileCaps.ALLOCATE));

    /** How modules are prepared before compiling. */
    public enum Instrumentation {
        /** Production: rewritten with fuel metering, memory cap and growth tracking. */
        FULL,
        /** The original bytes, unmetered and uncapped: only for comparisons and measurements. */
        NONE
    }

    private final Engine engine;
    /** Kept for the sandbox's life: the second engine handle is taken from it. */
    private final Store<Void> handleSource;
    private final Engine compileEngine;
    private final Linker linker;
    private final Module pollForwarder;
    private final Module channelForwarder;
    private final Module quickJsStubs;
    private final Module stepForwarder;
    private final Module writeForwarder;
    private final Thread ticker;
    private final InstrumentedModules instrumented;
    private final Instrumentation instrumentation;
    private final Map<String, CompiledModule> compiled = new LinkedHashMap<>(16, 0.75f, true);
    private volatile HostCalls hostCalls = HostCalls.BASIC;
    private final Path cacheDir;
    private PythonLaunch pythonLaunch;

    /** {@code jsBytecode}: for the JavaScript interpreter, its guest library and boot compiled by the first attempt. */
    private record CompiledModule(Module module, InstrumentedModules.Exports exports,
                                  java.util.concurrent.atomic.AtomicReference<JsBytecode> jsBytecode) {
        CompiledModule(Module module, InstrumentedModules.Exports exports) {
            this(module, exports, new java.util.concurrent.atomic.AtomicReference<>());
        }
    }

    /** QuickJS bytecode of the guest library ({@code "capsule"}) and of the boot module. */
    private record JsBytecode(byte[] library, byte[] boot) {
    }

    private WasmSandbox(Engine engine, Store<Void> handleSource, Linker linker, Path cacheDir, Instrumentation instrumentation) {
        this.engine = engine;
        this.handleSource = handleSource;
        this.compileEngine = handleSource.engine();
        this.linker = linker;
        this.instrumented = new InstrumentedModules(cacheDir);
        this.cacheDir = cacheDir;
        this.instrumentation = instrumentation;
        this.pollForwarder = Module.fromBinary(compileEngine, PollForwarder.module());
        this.channelForwarder = Module.fromBinary(compileEngine, WasiForwarder.module(CHANNEL_FUNCTIONS));
        this.quickJsStubs = Module.fromBinary(compileEngine, QuickJsStubs.module());
        this.stepForwarder = Module.fromBinary(compileEngine, WasiForwarder.module(STEP_FUNCTIONS));
        this.writeForwarder = Module.fromBinary(compileEngine, WasiForwarder.module(GrantWrites.FUNCTIONS));
        this.ticker = new Thread(this::tick, "capsule-epoch-ticker");
        this.ticker.setDaemon(true);
        this.ticker.start();
    }

    /** Creates the engine with epoch interruption and wasmtime's on-disk compile cache under {@code cacheDir}. */
    public static WasmSandbox create(Path cacheDir) throws IOException {
        return create(cacheDir, Instrumentation.FULL);
    }

    public static WasmSandbox create(Path cacheDir, Instrumentation instrumentation) throws IOException {
        Path compileCache = cacheDir.resolve("wasmtime-" + NativeLibrary.WASMTIME_VERSION);
        Files.createDirectories(compileCache);
        Path cacheConfig = cacheDir.resolve("wasmtime-" + NativeLibrary.WASMTIME_VERSION + "-cache.toml");
        String toml = "[cache]\nenabled = true\ndirectory = \"" + compileCache.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n";
        if (!Files.exists(cacheConfig) || !Files.readString(cacheConfig).equals(toml)) {
            AtomicFiles.write(cacheConfig, toml.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Config config = new Config();
        try {
            config.epochInterruption(true);
            config.wasmThreads(false);
            config.cacheConfigLoad(cacheConfig);
            Engine engine = new Engine(config);
            Store<Void> handleSource = new Store<>(null, engine);
            Linker linker = new Linker(engine);
            WasiCtx.addToLinker(linker);
            return new WasmSandbox(engine, handleSource, linker, cacheDir, instrumentation);
        } finally {
            config.dispose();
        }
    }

    /** What serves the guests' {@code capsule.host_call}; {@link HostCalls#BASIC} until set. */
    public void serveHostCalls(HostCalls hostCalls) {
        this.hostCalls = hostCalls;
    }

    public AttemptResult run(RunAttempt request, Path workDir, StreamWatcher watcher) {
        return run(request, workDir, watcher, Progress.NONE);
    }

    /** Runs one attempt to its end. Never throws for guest behaviour; the result says what happened. */
    public AttemptResult run(RunAttempt request, Path workDir, StreamWatcher watcher, Progress progress) {
        return run(request, workDir, watcher, progress, READ_WRITE_DIR);
    }

    /**
     * Runs the start-up canary: like {@link #run}, but read-write grants also allow creating symlinks, which
     * tasks never get. Only for {@link SymlinkCanary}.
     */
    AttemptResult runWithSymlinkGrants(RunAttempt request, Path workDir) {
        return run(request, workDir, StreamWatcher.NONE, Progress.NONE, EnumSet.allOf(DirCaps.class));
    }

    private AttemptResult run(RunAttempt request, Path workDir, StreamWatcher watcher, Progress progress, Set<DirCaps> readWriteDir) {
        long started = System.nanoTime();
        if (request.writeQuotaBytes() < 0) {
            return failure(request, "invalid_input", "writeQuotaBytes must be 0 or more, not " + request.writeQuotaBytes(), started);
        }
        if (request.program() != null && Program.PYTHON.equals(request.program().language())) {
            try {
                PythonLaunch.Runner compiler = compiler(progress);
                request = pythonLaunch(request, compiler).command(request, compiler);
            } catch (IOException e) {
                return failure(request, "internal_error", "cannot prepare the Python guest library: " + e.getMessage(), started);
            }
        }
        OutputFile stdout;
        OutputFile stderr;
        try {
            Files.createDirectories(workDir);
            stdout = new OutputFile(workDir.resolve("stdout"));
            stderr = new OutputFile(workDir.resolve("stderr"));
        } catch (IOException e) {
            return failure(request, "internal_error", "cannot prepare guest output files: " + e.getMessage(), started);
        }
        QuickJs js = null;
        if (runsJavaScript(request)) {
            try {
                js = new QuickJs(new JavaScriptModules(request.program()), quickJsStubs,
                        new CappedOutput(stdout.path(), request.outputLimitBytes()), new CappedOutput(stderr.path(), request.outputLimitBytes()));
            } catch (JavaScriptModules.Refused e) {
                return failure(request, "invalid_input", e.getMessage(), started);
            } catch (IOException e) {
                return failure(request, "internal_error", "cannot prepare guest output files: " + e.getMessage(), started);
            }
        }
        try {
            return run(request, workDir, watcher, progress, readWriteDir, started, stdout, stderr, js);
        } finally {
            if (js != null) {
                js.stdout.close();
                js.stderr.close();
            }
        }
    }

    private static boolean runsJavaScript(RunAttempt request) {
        return request.program() != null && Program.JAVASCRIPT.equals(request.program().language());
    }

    private AttemptResult run(RunAttempt request, Path workDir, StreamWatcher watcher, Progress progress, Set<DirCaps> readWriteDir,
                              long started, OutputFile stdout, OutputFile stderr, QuickJs js) {
        CompiledModule module;
        try {
            module = compile(request, progress);
        } catch (InvalidModuleException e) {
            return failure(request, "invalid_input", e.getMessage(), started);
        } catch (WasmtimeException e) {
            return failure(request, "invalid_input", request.programName() + " is not a valid module: " + oneLine(e.getMessage()), started);
        } catch (IOException e) {
            return failure(request, "internal_error", "cannot read module file: " + e.getMessage(), started);
        }

        WasiCtxBuilder builder = new WasiCtxBuilder().arg(request.programName()).args(request.args());
        if (js == null) {
            builder.stdout(stdout.path()).stderr(stderr.path());
        }
        WasiCtx wasi = builder.build();
        long monotonicOrigin = System.nanoTime();
        request.env().forEach(wasi::pushEnv);
        int fd = 3;
        // A JavaScript guest imports no WASI file functions: its grants are served by the file.* host calls.
        for (Mount mount : js == null ? request.mounts() : List.<Mount>of()) {
            wasi.insertDir(fd++, Path.of(mount.hostPath()),
                    mount.readOnly() ? READ_ONLY_DIR : readWriteDir,
                    mount.readOnly() ? READ_ONLY_FILE : READ_WRITE_FILE,
                    Path.of(mount.guestPath()));
        }
        int channelDirFd = -1;
        if (wantsWasiChannel(request)) {
            try {
                Path channelDir = Files.createDirectories(workDir.resolve("capsule-channel"));
                wasi.insertDir(fd, channelDir, READ_ONLY_DIR, READ_ONLY_FILE, Path.of(WasiChannel.GUEST_DIR));
                channelDirFd = fd++;
            } catch (IOException e) {
                wasi.dispose();
                return failure(request, "internal_error", "cannot prepare the host-call channel: " + e.getMessage(), started);
            }
        }
        List<Disposable> owned = new ArrayList<>();
        Store<Void> store = new Store<>(null, engine, wasi);
        GuestHost host = new GuestHost(store);
        HostRequestLog hostRequests = new HostRequestLog();
        GuestReport report = new GuestReport(request.durability(), new WriteQuota(request.writeQuotaBytes()));
        host.steps = report.steps();
        if (js == null && request.mounts().stream().anyMatch(m -> !m.readOnly())) {
            host.writes = new GrantWrites(report.writeQuota());
        }
        boolean takesSteps = request.program() != null && report.steps().enabled();
        if (channelDirFd >= 0) {
            host.channel = new WasiChannel(channelDirFd, bytes -> host.dispatcher.dispatch(bytes));
        }
        Outcome outcome = new Outcome();
        long budget = request.fuel() > 0 ? request.fuel() : Long.MAX_VALUE;
        long memoryLimitPages = memoryLimitPages(request);
        watcher.start(stdout, stderr);
        try {
            List<Extern> externs = new ArrayList<>();
            boolean importsPoll = false;
            boolean importsChannel = false;
            boolean importsSteps = false;
            boolean importsWrites = false;
            for (ImportType imp : module.module().imports()) {
                if (js != null && imp.module().equals(QuickJs.IMPORT_MODULE)) {
                    Optional<Func> func = js.importFunc(store, imp.name(), owned);
                    if (func.isEmpty()) {
                        return failure(request, "invalid_input", request.programName() + " imports " + imp.module() + "." + imp.name()
                                + ", which the JavaScript driver does not provide", started);
                    }
                    owned.add(func.get());
                    externs.add(Extern.fromFunc(func.get()));
                    continue;
                }
                if (HostCallImport.is(imp.module(), imp.name())) {
                    Func call = new Func(store, HOST_CALL_TYPE, host::hostCall);
                    owned.add(call);
                    externs.add(Extern.fromFunc(call));
                    continue;
                }
                if (host.channel != null && imp.module().equals(WasiPreview1.MODULE) && WasiChannel.FUNCTIONS.contains(imp.name())) {
                    String name = imp.name();
                    Func channelCall = new Func(store, channelType(name), (caller, params, results) -> host.channelCall(name, params, results));
                    owned.add(channelCall);
                    externs.add(Extern.fromFunc(channelCall));
                    importsChannel = true;
                    continue;
                }
                if (host.writes != null && imp.module().equals(WasiPreview1.MODULE) && GrantWrites.takesOver(imp.name())) {
                    String name = imp.name();
                    Func write = new Func(store, wasiType(GrantWrites.FUNCTIONS, name), (caller, params, results) -> host.grantWrite(name, params, results));
                    owned.add(write);
                    externs.add(Extern.fromFunc(write));
                    importsWrites = true;
                    continue;
                }
                if (takesSteps && imp.module().equals(WasiPreview1.MODULE) && (imp.name().equals("clock_time_get") || imp.name().equals("random_get"))) {
                    boolean clock = imp.name().equals("clock_time_get");
                    Func step = clock ? new Func(store, CLOCK_TIME_GET_TYPE, host::clockTimeGet) : new Func(store, RANDOM_GET_TYPE, host::randomGet);
                    owned.add(step);
                    externs.add(Extern.fromFunc(step));
                    importsSteps = true;
                    continue;
                }
                if (imp.module().equals(WasiPreview1.MODULE) && imp.name().equals(PollForwarder.FUNCTION)) {
                    Func poll = new Func(store, POLL_ONEOFF_TYPE, host::pollOneoff);
                    owned.add(poll);
                    externs.add(Extern.fromFunc(poll));
                    importsPoll = true;
                    continue;
                }
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
                instance = new Instance(store, module.module(), externs);
            } catch (WasmFunctionError e) {
                throw e;
            } catch (WasmtimeException e) {
                return failure(request, "invalid_input", request.programName() + " cannot be instantiated: " + oneLine(e.getMessage()), started);
            }
            owned.add(instance);
            Optional<Func> start = js != null ? Optional.empty() : instance.getFunc(store, "_start");
            if (js == null && start.isEmpty()) {
                return failure(request, "invalid_input", request.programName() + " exports no _start function", started);
            }
            start.ifPresent(owned::add);
            Optional<Memory> memory = instance.getMemory(store, "memory");
            memory.ifPresent(owned::add);
            host.memory = memory.orElse(null);
            if (js != null) {
                Optional<String> unusable = js.bind(store, instance, host.memory, owned);
                if (unusable.isPresent()) {
                    return failure(request, "invalid_input", unusable.get(), started);
                }
            }
            if (importsPoll && memory.isPresent()) {
                host.forward = forwarder(store, memory.get(), owned);
            }
            if (importsChannel && memory.isPresent()) {
                host.channelForward = channelForwarders(store, memory.get(), owned);
            }
            if ((importsWrites || importsChannel && host.writes != null) && memory.isPresent()) {
                host.writeForward = forwarders(writeForwarder, GrantWrites.FUNCTIONS, store, memory.get(), owned);
            }
            if (importsSteps && memory.isPresent()) {
                host.stepForward = stepForwarders(store, memory.get(), owned);
                host.wasiSteps = new WasiSteps(report.steps());
            }
            Optional<Func> fuelSetter = exportedFunc(instance, store, module.exports().fuelSetter(), owned);
            Optional<Func> fuelGetter = exportedFunc(instance, store, module.exports().fuelGetter(), owned);
            Optional<Func> growthFlag = exportedFunc(instance, store, module.exports().growthRefusedFlag(), owned);

            store.setEpochDeadline(request.timeoutMs() > 0 ? request.timeoutMs() / TICK_MS + 1 : NO_DEADLINE_TICKS);
            long deadline = System.nanoTime() + (request.timeoutMs() > 0 ? request.timeoutMs() * 1_000_000 : Long.MAX_VALUE / 4);
            host.clock = new ClockPoll(monotonicOrigin, deadline, report.steps()::replaying);
            host.dispatcher = hostCalls.dispatcherFor(request, deadline, hostRequests, report);
            host.deadlineNanos = deadline;
            host.deadlineArmed = true;
            host.hostCalls = new HostCallExchange(host.dispatcher);
            // A JavaScript task's budget starts after the interpreter's own start-up, which is the same for every task.
            if (fuelSetter.isPresent()) {
                fuelSetter.get().call(store, Val.fromI64(js != null ? Long.MAX_VALUE
                        : request.program() != null ? Math.max(budget, PROGRAM_START_FUEL) : budget));
                if (request.program() != null && fuelGetter.isPresent()) {
                    Func setter = fuelSetter.get();
                    Func getter = fuelGetter.get();
                    report.onBegin(() -> {
                        if (getter.call(store)[0].i64() >= 0) {
                            setter.call(store, Val.fromI64(budget));
                        }
                    });
                }
            }
            progress.started();
            try {
                if (js != null) {
                    js.dispatcher = host.dispatcher;
                    js.deadlineNanos = deadline;
                    js.host = host;
                    module.jsBytecode().compareAndSet(null, js.start(module.jsBytecode().get()));
                    if (fuelSetter.isPresent()) {
                        fuelSetter.get().call(store, Val.fromI64(budget));
                    }
                    js.run();
                    outcome.exitCode = report.hasError() ? 1 : 0;
                    if (!report.hasError() && !report.hasValue()) {
                        outcome.guestFailure = "the JavaScript task ended without reporting a result";
                    }
                } else {
                    start.get().call(store);
                    outcome.exitCode = 0;
                }
            } catch (GuestFailure e) {
                outcome.guestFailure = e.getMessage();
            } catch (WasmFunctionError.I32ExitError e) {
                outcome.exitCode = host.deadlineHit || host.stepStopped || host.failure != null ? null : e.exitCode();
                outcome.guestFailure = host.failure;
            } catch (WasmFunctionError.TrapError e) {
                outcome.trap = e.trap();
            } catch (WasmtimeException e) {
                outcome.hostError = oneLine(e.getMessage());
            }
            store.setEpochDeadline(NO_DEADLINE_TICKS);
            if (fuelGetter.isPresent()) {
                long remaining = fuelGetter.get().call(store)[0].i64();
                outcome.fuelExhausted = remaining < 0;
                outcome.fuelConsumed = remaining < 0 ? budget : budget - remaining;
            }
            outcome.growthRefused = growthFlag.isPresent() && growthFlag.get().call(store)[0].i32() != 0;
            if (memory.isPresent()) {
                outcome.ramUsed = memory.get().dataSize(store);
            }
            outcome.deadlineHit = host.deadlineHit;
        } catch (WasmFunctionError.TrapError e) {
            outcome.startupTrap = e.trap();
        } catch (RuntimeException e) {
            outcome.internalError = "sandbox failure: " + oneLine(String.valueOf(e.getMessage()));
        } finally {
            watcher.stop();
            for (int i = owned.size() - 1; i >= 0; i--) {
                owned.get(i).dispose();
            }
            store.dispose();
        }
        outcome.classify(request.timeoutMs(), budget, memoryLimitPages);
        outcome.apply(report);
        outcome.applyWriteQuota(report.writeQuota());
        StepLog.Stop stop = report.steps().verdict(outcome.errorType);
        if (stop != null) {
            outcome.errorType = stop.errorType();
            outcome.message = stop.message();
        }
        try {
            OutputFile.Captured out = stdout.read(request.outputLimitBytes());
            OutputFile.Captured err = stderr.read(request.outputLimitBytes());
            return new AttemptResult(request.attemptId(), outcome.exitCode, outcome.trapName(), outcome.errorType, outcome.message,
                    out.text(), out.truncated(), err.text(), err.truncated(), elapsedMs(started), outcome.ramUsed,
                    instrumentation == Instrumentation.FULL ? outcome.fuelConsumed : null, false, hostRequests.requests(),
                    outcome.errorType == null ? report.valueJson() : null, report.traceback(), report.steps().leftover(),
                    report.steps().replayed(), stop == null ? null : stop.resumeAtEpochMs());
        } catch (IOException e) {
            return failure(request, "internal_error", "cannot read guest output: " + e.getMessage(), started);
        }
    }

    /** How an attempt ended, gathered while the store lives and turned into an error type afterwards. */
    private static final class Outcome {
        Integer exitCode;
        Trap trap;
        Trap startupTrap;
        String hostError;
        /** A JavaScript driver's failure that is not a trap (QuickJS out of memory, a broken boot). */
        String guestFailure;
        String internalError;
        boolean deadlineHit;
        boolean fuelExhausted;
        boolean growthRefused;
        Long fuelConsumed;
        Long ramUsed;
        String errorType;
        String message;

        /** A Python or JavaScript guest's own account of its failure replaces "exited with code 1". */
        void apply(GuestReport report) {
            if (!report.hasError()) {
                return;
            }
            if (errorType == null || errorType.equals("task_error")) {
                errorType = "task_error";
                message = report.errorSummary();
            } else if (errorType.equals("memory_limit")) {
                int after = message.indexOf(" after memory.grow");
                message = report.errorSummary() + (after >= 0 ? message.substring(after) : "");
            }
        }

        /** A failure after a write was refused for the quota is the quota's doing, whatever the guest made of ENOSPC. */
        void applyWriteQuota(WriteQuota quota) {
            if (quota.exceeded() && "task_error".equals(errorType)) {
                errorType = "limit_exceeded";
                message = quota.describe() + "; the task then failed: " + message;
            }
        }

        String trapName() {
            Trap t = trap != null ? trap : startupTrap;
            return t == null ? null : t.name();
        }

        void classify(long timeoutMs, long budget, long memoryLimitPages) {
            if (internalError != null) {
                errorType = "internal_error";
                message = internalError;
                return;
            }
            if (startupTrap != null) {
                errorType = "task_error";
                message = "trap during start-up: " + describe(startupTrap);
                return;
            }
            if (deadlineHit || trap == Trap.INTERRUPT) {
                errorType = "timeout";
                message = "timed out after " + timeoutMs + " ms";
                return;
            }
            if (trap == Trap.UNREACHABLE_CODE_REACHED && fuelExhausted) {
                errorType = "fuel_exhausted";
                message = "ran out of fuel: used all " + budget + " units";
                return;
            }
            String failure;
            if (trap != null) {
                failure = "trap: " + describe(trap);
            } else if (hostError != null) {
                failure = "trap: " + hostError;
            } else if (guestFailure != null) {
                failure = guestFailure;
            } else if (exitCode != null && exitCode != 0) {
                failure = "exited with code " + exitCode;
            } else {
                return;
            }
            if (growthRefused) {
                errorType = "memory_limit";
                long kib = memoryLimitPages * RunAttempt.PAGE_BYTES / 1024;
                message = failure + " after memory.grow was refused at the limit of " + memoryLimitPages + " pages ("
                        + (kib % 1024 == 0 ? kib / 1024 + " MiB" : kib + " KiB") + ")";
            } else {
                errorType = "task_error";
                message = failure;
            }
        }
    }

    /**
     * Host state of one attempt: serves {@code poll_oneoff} so that sleeps end at the deadline. The fields are
     * set once the guest is instantiated and the deadline armed, before {@code _start} runs.
     */
    private static final class GuestHost {
        private final Store<Void> store;
        HostCallExchange hostCalls;
        HostCallDispatcher dispatcher;
        WasiChannel channel;
        Map<String, Func> channelForward = Map.of();
        Memory memory;
        Func forward;
        ClockPoll clock;
        StepLog steps;
        WasiSteps wasiSteps;
        Map<String, Func> stepForward = Map.of();
        GrantWrites writes;
        Map<String, Func> writeForward = Map.of();
        volatile boolean deadlineHit;
        volatile boolean stepStopped;
        /** Set with the deadline; a host call that returns after it ends the guest as timed out. */
        long deadlineNanos;
        boolean deadlineArmed;
        /** Why a host function ended the guest, when that is neither a step nor the deadline. */
        volatile String failure;

        GuestHost(Store<Void> store) {
            this.store = store;
        }

        /** A WASI call the channel may take over: its own fds and path; anything else goes to WASI. */
        void channelCall(String name, Val[] params, Val[] results) {
            OptionalInt errno;
            try {
                if (memory == null || dispatcher == null) {
                    errno = OptionalInt.of(ERRNO_NOSYS);
                } else {
                    java.nio.ByteBuffer mem = memory.buffer(store);
                    errno = switch (name) {
                        case "path_open" -> channel.pathOpen(mem, params[0].i32(), params[2].i32(), params[3].i32(), params[8].i32());
                        case "fd_write" -> channel.fdWrite(mem, params[0].i32(), params[1].i32(), params[2].i32(), params[3].i32());
                        case "fd_read" -> channel.fdRead(mem, params[0].i32(), params[1].i32(), params[2].i32(), params[3].i32());
                        case "fd_close" -> channel.fdClose(params[0].i32());
                        case "fd_filestat_get" -> channel.fdFilestatGet(mem, params[0].i32(), params[1].i32());
                        case "fd_fdstat_get" -> channel.fdFdstatGet(mem, params[0].i32(), params[1].i32());
                        default -> OptionalInt.empty();
                    };
                }
            } catch (WasiChannel.Overflow e) {
                failure = e.getMessage();
                throw new WasmFunctionError.I32ExitError(STEP_EXIT);
            } catch (RuntimeException e) {
                errno = OptionalInt.of(ERRNO_FAULT);
            }
            stopIfAsked();
            if (errno.isPresent()) {
                results[0] = Val.fromI32(errno.getAsInt());
                return;
            }
            if (writes != null && name.equals("fd_write")) {
                grantWrite(name, params, results);
                return;
            }
            Func forward = channelForward.get(name);
            results[0] = forward == null ? Val.fromI32(ERRNO_NOSYS) : forward.call(store, params)[0];
        }

        /** {@code fd_write}, {@code fd_pwrite}, {@code fd_renumber} held to the write quota, then WASI's own. */
        void grantWrite(String name, Val[] params, Val[] results) {
            Func forward = writeForward.get(name);
            if (memory == null || forward == null) {
                results[0] = Val.fromI32(ERRNO_NOSYS);
                return;
            }
            results[0] = Val.fromI32(writes.call(memory.buffer(store), name, params, p -> forward.call(store, p)[0].i32()));
        }

        /** Ends the guest at once when a step asked for it (docs/steps.md): a host call cannot return then. */
        private void stopIfAsked() {
            StepLog.Stop stop = steps == null ? null : steps.stop();
            if (stop == null) {
                if (deadlineArmed && System.nanoTime() - deadlineNanos >= 0) {
                    deadlineHit = true;
                    throw new WasmFunctionError.I32ExitError(DEADLINE_EXIT);
                }
                return;
            }
            if (stop.errorType().equals(StepLog.Stop.TIMEOUT)) {
                deadlineHit = true;
                throw new WasmFunctionError.I32ExitError(DEADLINE_EXIT);
            }
            stepStopped = true;
            throw new WasmFunctionError.I32ExitError(STEP_EXIT);
        }

        /** WASI {@code clock_time_get}: the realtime clock is a step once the task's function began; anything else is WASI's. */
        void clockTimeGet(io.github.kawamuray.wasmtime.Caller<Void> caller, Val[] params, Val[] results) {
            if (params[0].i32() == 0 && memory != null && wasiSteps != null && steps.tracks()) {
                int errno;
                try {
                    long ns = wasiSteps.realtimeNanos();
                    java.nio.ByteBuffer mem = memory.buffer(store).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    long at = Integer.toUnsignedLong(params[2].i32());
                    if (at + 8 > mem.capacity()) {
                        errno = ERRNO_FAULT;
                    } else {
                        mem.putLong((int) at, ns);
                        errno = 0;
                    }
                } catch (HostCallException e) {
                    errno = ERRNO_FAULT;
                }
                stopIfAsked();
                results[0] = Val.fromI32(errno);
                return;
            }
            Func forward = stepForward.get("clock_time_get");
            results[0] = forward == null ? Val.fromI32(ERRNO_NOSYS) : forward.call(store, params)[0];
        }

        /** WASI {@code random_get}: a step once the task's function began; before, WASI's own. */
        void randomGet(io.github.kawamuray.wasmtime.Caller<Void> caller, Val[] params, Val[] results) {
            if (memory != null && wasiSteps != null && steps.tracks()) {
                int errno;
                try {
                    java.nio.ByteBuffer mem = memory.buffer(store);
                    long at = Integer.toUnsignedLong(params[0].i32());
                    long length = Integer.toUnsignedLong(params[1].i32());
                    if (at + length > mem.capacity()) {
                        errno = ERRNO_FAULT;
                    } else {
                        mem.put((int) at, wasiSteps.randomBytes((int) length));
                        errno = 0;
                    }
                } catch (HostCallException e) {
                    errno = ERRNO_FAULT;
                }
                stopIfAsked();
                results[0] = Val.fromI32(errno);
                return;
            }
            Func forward = stepForward.get("random_get");
            results[0] = forward == null ? Val.fromI32(ERRNO_NOSYS) : forward.call(store, params)[0];
        }

        void hostCall(io.github.kawamuray.wasmtime.Caller<Void> caller, Val[] params, Val[] results) {
            if (memory == null || hostCalls == null) {
                results[0] = Val.fromI32(HostCallExchange.BAD_MEMORY);
                return;
            }
            int length;
            try {
                length = hostCalls.call(memory.buffer(store), params[0].i32(), params[1].i32(), params[2].i32(), params[3].i32());
            } catch (RuntimeException e) {
                length = HostCallExchange.BAD_MEMORY;
            }
            stopIfAsked();
            results[0] = Val.fromI32(length);
        }

        void pollOneoff(io.github.kawamuray.wasmtime.Caller<Void> caller, Val[] params, Val[] results) {
            if (memory == null || clock == null) {
                results[0] = Val.fromI32(ClockPoll.EINVAL);
                return;
            }
            OptionalInt errno;
            try {
                errno = clock.poll(memory.buffer(store), params[0].i32(), params[1].i32(), params[2].i32(), params[3].i32());
            } catch (ClockPoll.DeadlineReached e) {
                deadlineHit = true;
                throw new WasmFunctionError.I32ExitError(DEADLINE_EXIT);
            } catch (RuntimeException e) {
                errno = OptionalInt.of(ClockPoll.EFAULT);
            }
            if (errno.isPresent()) {
                results[0] = Val.fromI32(errno.getAsInt());
            } else if (forward != null) {
                results[0] = forward.call(store, params)[0];
            } else {
                results[0] = Val.fromI32(ClockPoll.EINVAL);
            }
        }
    }

    /**
     * The WASI door to the host-call channel is set up only for attempts granted network hosts and for Python and
     * JavaScript tasks, whose guest libraries use it (roughly 2 ms each, estimated).
     */
    private static boolean wantsWasiChannel(RunAttempt request) {
        return (!request.allowedHosts().isEmpty() || request.program() != null && !runsJavaScript(request))
                && request.mounts().stream().noneMatch(m -> Path.of(m.guestPath()).normalize().equals(Path.of(WasiChannel.GUEST_DIR)));
    }

    /** The driver of a JavaScript task failed without a trap; the message says why, for the task's author. */
    private static final class GuestFailure extends RuntimeException {
        GuestFailure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Drives quickjs-wasi's reactor for a JavaScript task (docs/languages.md): serves its {@code env.*} imports,
     * evaluates the boot module, then runs QuickJS's job queue and the boot's {@code __capsule_step()} (which waits
     * for child tasks and runs timers) until the boot has reported how the task ended. JavaScript reaches the runner
     * through three functions on its global object: {@code __capsule_host(json)}, the host-call channel;
     * {@code __capsule_write(fd, text)}, the console; {@code __capsule_sleep(ms)}, for timers. Values cross as
     * pointers to QuickJS's heap-allocated {@code JSValue}s; each one made here is freed here.
     */
    private static final class QuickJs {
        static final String IMPORT_MODULE = "env";
        private static final int EVAL_GLOBAL = 0;
        private static final int EVAL_MODULE = 1;
        private static final String HOST_FUNCTION = "__capsule_host";
        private static final String WRITE_FUNCTION = "__capsule_write";
        private static final String SLEEP_FUNCTION = "__capsule_sleep";
        private static final byte[] STEP = "__capsule_step()".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        /**
         * QuickJS's own limit on its C stack (in linear memory). Deep JavaScript recursion uses about twice as much
         * of wasmtime's native stack (512 KiB), so beyond roughly 200 KiB it overflows that first, as an uncatchable
         * trap; at 128 KiB it is a RangeError the task can catch (measured; JSON.stringify of deeply nested data still traps).
         */
        private static final int MAX_STACK_BYTES = 128 * 1024;
        private static final FuncType I32_X5_TO_I32 = funcType(5, true);
        private static final FuncType I32_X2_TO_I32 = funcType(2, true);

        private final JavaScriptModules modules;
        private final Module stubs;
        private final CappedOutput stdout;
        private final CappedOutput stderr;
        private final Map<String, Func> exports = new java.util.HashMap<>();
        private Instance stubInstance;
        private Store<Void> store;
        private Instance instance;
        private Memory memory;
        private List<Disposable> owned;
        HostCallDispatcher dispatcher;
        GuestHost host;
        long deadlineNanos = Long.MAX_VALUE;
        /** A trap or exit inside a call a host function made back into the guest: it, not the host function's failure, ended the call. */
        private RuntimeException nestedFailure;
        private JsBytecode bytecode;

        QuickJs(JavaScriptModules modules, Module stubs, CappedOutput stdout, CappedOutput stderr) {
            this.modules = modules;
            this.stubs = stubs;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        private static FuncType funcType(int params, boolean result) {
            Val.Type[] in = new Val.Type[params];
            java.util.Arrays.fill(in, Val.Type.I32);
            return new FuncType(in, result ? new Val.Type[] {Val.Type.I32} : new Val.Type[0]);
        }

        /** The function for import {@code env.NAME}, or empty when quickjs-wasi has no such import. */
        Optional<Func> importFunc(Store<Void> store, String name, List<Disposable> owned) {
            if (QuickJsStubs.FUNCTIONS.contains(name)) {
                if (stubInstance == null) {
                    stubInstance = new Instance(store, stubs, List.of());
                    owned.add(stubInstance);
                }
                return stubInstance.getFunc(store, name);
            }
            return Optional.ofNullable(switch (name) {
                case "host_call" -> new Func(store, I32_X5_TO_I32, guarded((caller, p, r) ->
                        r[0] = Val.fromI32(hostCall(p[0].i32(), p[1].i32(), p[2].i32(), p[3].i32(), p[4].i32()))));
                case "host_module_normalize" -> new Func(store, I32_X2_TO_I32, guarded((caller, p, r) ->
                        r[0] = Val.fromI32(normalize(p[0].i32(), p[1].i32()))));
                case "host_module_load" -> new Func(store, I32_X2_TO_I32, guarded((caller, p, r) ->
                        r[0] = Val.fromI32(load(p[0].i32(), p[1].i32()))));
                default -> null;
            });
        }

        private Func.Handler<Void> guarded(Func.Handler<Void> handler) {
            return (caller, params, results) -> {
                try {
                    handler.call(caller, params, results);
                } catch (RuntimeException e) {
                    if (nestedFailure == null) {
                        nestedFailure = e;
                    }
                    throw e;
                }
            };
        }

        /** Binds the instantiated interpreter; empty when it is a quickjs-wasi reactor, else what is missing. */
        Optional<String> bind(Store<Void> store, Instance instance, Memory memory, List<Disposable> owned) {
            this.store = store;
            this.instance = instance;
            this.memory = memory;
            this.owned = owned;
            if (memory == null) {
                return Optional.of("the JavaScript interpreter exports no memory");
            }
            for (String name : List.of("_initialize", "qjs_init", "qjs_eval", "qjs_execute_pending_job", "qjs_new_host_function", "wasm_malloc")) {
                if (instance.getFunc(store, name).map(f -> {
                    owned.add(f);
                    exports.put(name, f);
                    return f;
                }).isEmpty()) {
                    return Optional.of("the JavaScript interpreter exports no " + name + "; is it quickjs-wasi?");
                }
            }
            return Optional.empty();
        }

        /**
         * Starts QuickJS and gives it the runner's functions; returns the bytecode of the guest library and the boot,
         * compiled now when {@code compiled} is null.
         */
        JsBytecode start(JsBytecode compiled) {
            try {
                call("_initialize");
                if (i32("qjs_init") != 0) {
                    throw new GuestFailure("QuickJS could not start");
                }
                call("qjs_set_module_loader", 1);
                call("qjs_set_max_stack_size", MAX_STACK_BYTES);
                defineHostFunction(HOST_FUNCTION);
                defineHostFunction(WRITE_FUNCTION);
                defineHostFunction(SLEEP_FUNCTION);
                bytecode = compiled != null ? compiled
                        : new JsBytecode(compile(JavaScriptModules.librarySource(), JavaScriptModules.LIBRARY),
                                compile(JavaScriptModules.bootSource(), JavaScriptModules.BOOT_NAME));
                return bytecode;
            } catch (WasmtimeException e) {
                throw nestedFailureOr(e);
            }
        }

        /**
         * Runs the task to its end: evaluates the guest library (registered as module {@code "capsule"}, which the boot
         * and the task then import) and the boot, then the job loop; returns once the boot has reported, or throws what
         * stopped it.
         */
        void run() {
            try {
                int library = evalBytecode(bytecode.library());
                if (isException(library)) {
                    throw new GuestFailure("the JavaScript guest library failed: " + exceptionText());
                }
                freeValue(library);
                int promise = evalBytecode(bytecode.boot());
                if (isException(promise)) {
                    throw new GuestFailure("the JavaScript boot module failed: " + exceptionText());
                }
                freeValue(promise);
                while (true) {
                    drainJobs();
                    int step = eval(STEP, "capsule-step", EVAL_GLOBAL);
                    if (isException(step)) {
                        throw new GuestFailure("the JavaScript boot failed: " + exceptionText());
                    }
                    double state = func("qjs_get_float64").call(store, Val.fromI32(step))[0].f64();
                    freeValue(step);
                    if (state == 0) {
                        return;
                    }
                }
            } catch (WasmtimeException e) {
                throw nestedFailureOr(e);
            }
        }

        private RuntimeException nestedFailureOr(WasmtimeException e) {
            return nestedFailure != null && nestedFailure != e ? nestedFailure : e;
        }

        private byte[] compile(byte[] source, String name) {
            int lengthPtr = malloc(4);
            int codePtr = write(source);
            int namePtr = write(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            int buffer = i32("qjs_compile", codePtr, source.length, namePtr, EVAL_MODULE, 0, lengthPtr);
            free(codePtr);
            free(namePtr);
            if (buffer == 0) {
                throw new GuestFailure("cannot compile the JavaScript module " + name + ": " + exceptionText());
            }
            java.nio.ByteBuffer mem = buffer();
            byte[] bytecode = new byte[mem.getInt(lengthPtr)];
            mem.get(buffer, bytecode);
            free(buffer);
            free(lengthPtr);
            return bytecode;
        }

        private int evalBytecode(byte[] bytecode) {
            int ptr = malloc(bytecode.length);
            buffer().put(ptr, bytecode);
            int value = i32("qjs_eval_bytecode", ptr, bytecode.length);
            free(ptr);
            return value;
        }

        private void drainJobs() {
            while (i32("qjs_is_job_pending") != 0) {
                if (i32("qjs_execute_pending_job") < 0) {
                    throw new GuestFailure(exceptionText());
                }
            }
        }

        private void defineHostFunction(String name) {
            byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int namePtr = write(bytes);
            int function = i32("qjs_new_host_function", namePtr, bytes.length, 0);
            int global = i32("qjs_get_global");
            i32("qjs_set_prop_string", global, namePtr, function);
            freeValue(global);
            freeValue(function);
            free(namePtr);
        }

        private int hostCall(int namePtr, int nameLen, int thisPtr, int argc, int argvPtr) {
            java.nio.ByteBuffer mem = buffer();
            byte[] nameBytes = new byte[nameLen];
            mem.get(namePtr, nameBytes);
            String name = new String(nameBytes, java.nio.charset.StandardCharsets.UTF_8);
            int[] argv = new int[Math.max(0, argc)];
            for (int i = 0; i < argv.length; i++) {
                argv[i] = mem.getInt(argvPtr + 4 * i);
            }
            if (name.equals(HOST_FUNCTION) && argv.length == 1) {
                byte[] request = stringBytes(argv[0]);
                if (request == null) {
                    return throwError("__capsule_host needs a string");
                }
                byte[] reply = dispatcher.dispatch(request);
                host.stopIfAsked();
                return newString(reply);
            }
            if (name.equals(WRITE_FUNCTION) && argv.length == 2) {
                double fd = func("qjs_get_float64").call(store, Val.fromI32(argv[0]))[0].f64();
                byte[] text = stringBytes(argv[1]);
                if (text != null) {
                    (fd == 2 ? stderr : stdout).write(text);
                }
                return i32("qjs_get_undefined");
            }
            if (name.equals(SLEEP_FUNCTION) && argv.length == 1) {
                double ms = func("qjs_get_float64").call(store, Val.fromI32(argv[0]))[0].f64();
                sleep(ms);
                return i32("qjs_get_undefined");
            }
            return throwError("no host function " + name + " with " + argc + " arguments");
        }

        /** Sleeps for a timer; a sleep that reaches the attempt's deadline ends the attempt there, like {@code poll_oneoff}. */
        private void sleep(double ms) {
            if (!(ms > 0)) {
                return;
            }
            long until = System.nanoTime() + (long) Math.min(ms * 1_000_000, Long.MAX_VALUE / 4);
            boolean cut = until - deadlineNanos > 0;
            long remaining = (cut ? deadlineNanos : until) - System.nanoTime();
            if (remaining > 0) {
                try {
                    Thread.sleep(remaining / 1_000_000, (int) (remaining % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (cut) {
                host.deadlineHit = true;
                throw new WasmFunctionError.I32ExitError(DEADLINE_EXIT);
            }
        }

        private int normalize(int basePtr, int specifierPtr) {
            String base = cString(basePtr);
            String specifier = cString(specifierPtr);
            try {
                return write(modules.normalize(base, specifier).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (JavaScriptModules.Refused e) {
                return throwError(e.getMessage());
            }
        }

        private int load(int namePtr, int lengthPtr) {
            try {
                byte[] source = modules.load(cString(namePtr));
                int ptr = write(source);
                buffer().putInt(lengthPtr, source.length);
                return ptr;
            } catch (JavaScriptModules.Refused e) {
                return throwError(e.getMessage());
            }
        }

        /** Throws an Error with {@code message} inside QuickJS; returns the NULL a host function then returns. */
        private int throwError(String message) {
            int error = i32("qjs_new_error");
            int text = newString(message.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            int key = write("message".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            i32("qjs_set_prop_string", error, key, text);
            free(key);
            freeValue(text);
            i32("qjs_throw", error);
            freeValue(error);
            return 0;
        }

        private String exceptionText() {
            int exception = i32("qjs_get_exception");
            byte[] text = stringBytes(exception);
            freeValue(exception);
            return text == null ? "unknown error" : new String(text, java.nio.charset.StandardCharsets.UTF_8);
        }

        private int eval(byte[] code, String filename, int flags) {
            int codePtr = write(code);
            int namePtr = write(filename.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            int value = i32("qjs_eval", codePtr, code.length, namePtr, flags);
            free(codePtr);
            free(namePtr);
            return value;
        }

        private boolean isException(int value) {
            return value == 0 || i32("qjs_is_exception", value) != 0;
        }

        private int newString(byte[] utf8) {
            int ptr = write(utf8);
            int value = i32("qjs_new_string", ptr, utf8.length);
            free(ptr);
            return value;
        }

        /** A value's string conversion as UTF-8 (it may run guest code), or null when it threw. */
        private byte[] stringBytes(int value) {
            int lengthPtr = malloc(4);
            int chars = i32("qjs_get_string_len", value, lengthPtr);
            if (chars == 0) {
                free(lengthPtr);
                return null;
            }
            java.nio.ByteBuffer mem = buffer();
            byte[] bytes = new byte[mem.getInt(lengthPtr)];
            mem.get(chars, bytes);
            call("qjs_free_cstring", chars);
            free(lengthPtr);
            return bytes;
        }

        private String cString(int ptr) {
            java.nio.ByteBuffer mem = buffer();
            int end = ptr;
            while (mem.get(end) != 0) {
                end++;
            }
            byte[] bytes = new byte[end - ptr];
            mem.get(ptr, bytes);
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }

        /** Copies {@code bytes} and a terminating NUL into a fresh allocation. */
        private int write(byte[] bytes) {
            int ptr = malloc(bytes.length + 1);
            java.nio.ByteBuffer mem = buffer();
            mem.put(ptr, bytes);
            mem.put(ptr + bytes.length, (byte) 0);
            return ptr;
        }

        private int malloc(int size) {
            int ptr = i32("wasm_malloc", size);
            if (ptr == 0) {
                throw new GuestFailure("InternalError: out of memory");
            }
            return ptr;
        }

        private void free(int ptr) {
            call("wasm_free", ptr);
        }

        private void freeValue(int value) {
            if (value != 0) {
                call("qjs_free_value", value);
            }
        }

        private java.nio.ByteBuffer buffer() {
            return memory.buffer(store).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        }

        private int i32(String name, int... args) {
            return call(name, args)[0].i32();
        }

        private Val[] call(String name, int... args) {
            Val[] vals = new Val[args.length];
            for (int i = 0; i < args.length; i++) {
                vals[i] = Val.fromI32(args[i]);
            }
            return func(name).call(store, vals);
        }

        private Func func(String name) {
            Func func = exports.get(name);
            if (func == null) {
                func = instance.getFunc(store, name).orElseThrow(() -> new GuestFailure("the JavaScript interpreter exports no " + name));
                owned.add(func);
                exports.put(name, func);
            }
            return func;
        }
    }

    private static List<WasiForwarder.Function> channelFunctions() {
        int i32 = WasiForwarder.I32;
        int i64 = WasiForwarder.I64;
        return List.of(
                new WasiForwarder.Function("path_open", List.of(i32, i32, i32, i32, i32, i64, i64, i32, i32)),
                new WasiForwarder.Function("fd_write", List.of(i32, i32, i32, i32)),
                new WasiForwarder.Function("fd_read", List.of(i32, i32, i32, i32)),
                new WasiForwarder.Function("fd_close", List.of(i32)),
                new WasiForwarder.Function("fd_filestat_get", List.of(i32, i32)),
                new WasiForwarder.Function("fd_fdstat_get", List.of(i32, i32)));
    }

    private static FuncType channelType(String name) {
        return wasiType(CHANNEL_FUNCTIONS, name);
    }

    private static FuncType wasiType(List<WasiForwarder.Function> functions, String name) {
        WasiForwarder.Function function = functions.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
        Val.Type[] params = function.params().stream().map(t -> t == WasiForwarder.I64 ? Val.Type.I64 : Val.Type.I32).toArray(Val.Type[]::new);
        return new FuncType(params, new Val.Type[] {Val.Type.I32});
    }

    /** An instance of the channel's forwarding module bound to this guest's memory: WASI's own functions by name. */
    private Map<String, Func> channelForwarders(Store<Void> store, Memory memory, List<Disposable> owned) {
        return forwarders(channelForwarder, CHANNEL_FUNCTIONS, store, memory, owned);
    }

    /** The forwarding module of the step takeovers bound to this guest's memory: WASI's own clock_time_get and random_get. */
    private Map<String, Func> stepForwarders(Store<Void> store, Memory memory, List<Disposable> owned) {
        return forwarders(stepForwarder, STEP_FUNCTIONS, store, memory, owned);
    }

    /** An instance of a {@link WasiForwarder} module bound to this guest's memory: WASI's own functions by name. */
    private Map<String, Func> forwarders(Module forwarder, List<WasiForwarder.Function> functions, Store<Void> store, Memory memory,
                                         List<Disposable> owned) {
        List<Extern> imports = new ArrayList<>();
        for (WasiForwarder.Function function : functions) {
            Extern wasiFunction = linker.get(store, WasiPreview1.MODULE, function.name()).orElseThrow();
            own(owned, wasiFunction);
            imports.add(wasiFunction);
        }
        imports.add(Extern.fromMemory(memory));
        Instance instance = new Instance(store, forwarder, imports);
        owned.add(instance);
        Map<String, Func> forwards = new java.util.HashMap<>();
        for (WasiForwarder.Function function : functions) {
            Func func = instance.getFunc(store, function.name()).orElseThrow();
            owned.add(func);
            forwards.put(function.name(), func);
        }
        return forwards;
    }

    /** An instance of the forwarding module bound to this guest's memory: its export calls WASI's own poll_oneoff. */
    private Func forwarder(Store<Void> store, Memory memory, List<Disposable> owned) {
        Extern wasiPoll = linker.get(store, WasiPreview1.MODULE, PollForwarder.FUNCTION).orElseThrow();
        own(owned, wasiPoll);
        Instance instance = new Instance(store, pollForwarder, List.of(wasiPoll, Extern.fromMemory(memory)));
        owned.add(instance);
        Func func = instance.getFunc(store, PollForwarder.FUNCTION).orElseThrow();
        owned.add(func);
        return func;
    }

    /**
     * A store in which modules are instantiated and their exports called with arguments, for conformance tests
     * that compare plain and rewritten modules. Only numbers (i32, i64, f32, f64) cross the boundary; the
     * binding's objects stay inside. Not for guests: no WASI, no limits, no deadline.
     */
    public Session openSession() {
        return new Session();
    }

    /** What an instantiation or a call came to: {@code ok} with values, {@code trap:NAME}, or {@code error}. */
    public record Invocation(String kind, List<String> values) {
        public boolean ok() {
            return kind.equals("ok");
        }
    }

    public final class Session implements AutoCloseable {
        private final Store<Void> store = new Store<>(null, engine);
        private final Linker sessionLinker = new Linker(engine);
        private final List<Disposable> owned = new ArrayList<>();
        private final Map<String, Instance> instances = new LinkedHashMap<>();

        private Session() {
        }

        /**
         * Compiles and instantiates a module, resolving its imports among the registered names, and keeps the
         * instance under {@code name}.
         */
        public Invocation instantiate(String name, byte[] bytes) {
            Module module;
            try {
                module = Module.fromBinary(compileEngine, bytes);
            } catch (WasmtimeException e) {
                return new Invocation("error", List.of("compile: " + oneLine(e.getMessage())));
            }
            owned.add(module);
            List<Extern> externs = new ArrayList<>();
            for (ImportType imp : module.imports()) {
                if (imp.type() == ImportType.Type.GLOBAL || imp.type() == ImportType.Type.TABLE) {
                    return new Invocation("unsupported", List.of("the binding cannot pass imported globals and tables"));
                }
                Optional<Extern> found = sessionLinker.get(store, imp.module(), imp.name());
                if (found.isEmpty()) {
                    return new Invocation("error", List.of("unknown import " + imp.module() + "." + imp.name()));
                }
                own(owned, found.get());
                externs.add(found.get());
            }
            store.setEpochDeadline(NO_DEADLINE_TICKS);
            try {
                Instance instance = new Instance(store, module, externs);
                owned.add(instance);
                instances.put(name, instance);
                return new Invocation("ok", List.of());
            } catch (WasmFunctionError.TrapError e) {
                return new Invocation("trap:" + e.trap().name(), List.of());
            } catch (WasmtimeException e) {
                return new Invocation("error", List.of("instantiate: " + oneLine(e.getMessage())));
            } catch (RuntimeException e) {
                return new Invocation("unsupported", List.of("the binding cannot pass this import: " + e.getMessage()));
            }
        }

        /** Instantiates a module once and defines all its exports under {@code as} (globals and tables too). */
        public Invocation defineModule(String as, byte[] bytes) {
            store.setEpochDeadline(NO_DEADLINE_TICKS);
            try {
                Module module = Module.fromBinary(compileEngine, bytes);
                owned.add(module);
                sessionLinker.module(store, as, module);
                return new Invocation("ok", List.of());
            } catch (WasmtimeException e) {
                return new Invocation("error", List.of(oneLine(e.getMessage())));
            }
        }

        /**
         * Makes the function and memory exports named in {@code exports} of an instance importable under
         * {@code as}; returns the names that could not be registered (the binding cannot read exported globals
         * and tables of an instance).
         */
        public List<String> register(String as, String instanceName, Map<String, String> exports) {
            Instance instance = instances.get(instanceName);
            List<String> missing = new ArrayList<>();
            for (Map.Entry<String, String> export : exports.entrySet()) {
                Optional<Extern> extern = switch (export.getValue()) {
                    case "func" -> instance.getFunc(store, export.getKey()).map(f -> {
                        owned.add(f);
                        return Extern.fromFunc(f);
                    });
                    case "memory" -> instance.getMemory(store, export.getKey()).map(m -> {
                        owned.add(m);
                        return Extern.fromMemory(m);
                    });
                    default -> Optional.empty();
                };
                if (extern.isPresent()) {
                    sessionLinker.define(store, as, export.getKey(), extern.get());
                } else {
                    missing.add(export.getKey());
                }
            }
            return missing;
        }

        public boolean has(String instanceName) {
            return instances.containsKey(instanceName);
        }

        /**
         * Calls an exported function. Arguments are {@code TYPE:BITS} strings ({@code i32:}, {@code i64:},
         * {@code f32:}, {@code f64:} followed by the value's bits as an unsigned decimal); results come back the same way.
         */
        public Invocation invoke(String instanceName, String export, List<String> args) {
            Instance instance = instances.get(instanceName);
            Optional<Func> func = instance == null ? Optional.empty() : instance.getFunc(store, export);
            if (func.isEmpty()) {
                return new Invocation("error", List.of("no function " + export));
            }
            owned.add(func.get());
            Val[] params = args.stream().map(WasmSandbox::toVal).toArray(Val[]::new);
            store.setEpochDeadline(NO_DEADLINE_TICKS);
            try {
                Val[] results = func.get().call(store, params);
                return new Invocation("ok", java.util.Arrays.stream(results).map(WasmSandbox::fromVal).toList());
            } catch (WasmFunctionError.TrapError e) {
                return new Invocation("trap:" + e.trap().name(), List.of());
            } catch (WasmtimeException e) {
                return new Invocation("error", List.of(oneLine(e.getMessage())));
            }
        }

        @Override
        public void close() {
            for (int i = owned.size() - 1; i >= 0; i--) {
                owned.get(i).dispose();
            }
            sessionLinker.dispose();
            store.dispose();
        }
    }

    private static Val toVal(String typed) {
        int colon = typed.indexOf(':');
        String bits = typed.substring(colon + 1);
        return switch (typed.substring(0, colon)) {
            case "i32" -> Val.fromI32((int) Long.parseUnsignedLong(bits));
            case "i64" -> Val.fromI64(Long.parseUnsignedLong(bits));
            case "f32" -> Val.fromF32(Float.intBitsToFloat((int) Long.parseUnsignedLong(bits)));
            case "f64" -> Val.fromF64(Double.longBitsToDouble(Long.parseUnsignedLong(bits)));
            default -> throw new IllegalArgumentException("unsupported value " + typed);
        };
    }

    private static String fromVal(Val val) {
        return switch (val.getType()) {
            case I32 -> "i32:" + Integer.toUnsignedString(val.i32());
            case I64 -> "i64:" + Long.toUnsignedString(val.i64());
            case F32 -> "f32:" + Integer.toUnsignedString(Float.floatToRawIntBits(val.f32()));
            case F64 -> "f64:" + Long.toUnsignedString(Double.doubleToRawLongBits(val.f64()));
            default -> val.getType().name().toLowerCase();
        };
    }

    /** The Python guest library, extracted and compiled by the task's interpreter on first use. */
    private PythonLaunch pythonLaunch(RunAttempt request, PythonLaunch.Runner compiler) throws IOException {
        if (pythonLaunch == null || !pythonLaunch.servesInterpreterOf(request)) {
            pythonLaunch = PythonLaunch.in(cacheDir, request, compiler);
        }
        return pythonLaunch;
    }

    /** Runs the interpreter's own compile steps before an attempt; only their module compiles reach {@code progress}. */
    private PythonLaunch.Runner compiler(Progress progress) {
        Progress compilingOnly = new Progress() {
            @Override
            public void compiling() {
                progress.compiling();
            }

            @Override
            public void started() {
            }
        };
        return (attempt, dir) -> run(attempt, dir, StreamWatcher.NONE, compilingOnly, READ_WRITE_DIR);
    }

    private static Optional<Func> exportedFunc(Instance instance, Store<Void> store, String name, List<Disposable> owned) {
        if (name == null) {
            return Optional.empty();
        }
        Optional<Func> func = instance.getFunc(store, name);
        func.ifPresent(owned::add);
        return func;
    }

    private static long memoryLimitPages(RunAttempt request) {
        long pages = request.memoryLimitPages();
        return pages <= 0 || pages > RewriteOptions.WASM32_MAX_PAGES ? RewriteOptions.WASM32_MAX_PAGES : pages;
    }

    private CompiledModule compile(RunAttempt request, Progress progress) throws IOException, InvalidModuleException {
        Path path = Path.of(request.modulePath());
        byte[] original = null;
        String digest = request.moduleSha256();
        if (!InstrumentedModules.isDigest(digest)) {
            original = Files.readAllBytes(path);
            digest = InstrumentedModules.digest(digest, original);
        }
        InstrumentedModules.Key key = new InstrumentedModules.Key(digest, memoryLimitPages(request), true);
        String cacheKey = instrumentation == Instrumentation.FULL ? key.name() : digest + "-original";
        CompiledModule module = compiled.get(cacheKey);
        if (module != null) {
            return module;
        }
        progress.compiling();
        byte[] known = original;
        InstrumentedModules.Instrumented prepared = instrumentation == Instrumentation.FULL
                ? instrumented.get(key, request.programName(), () -> known != null ? known : Files.readAllBytes(path))
                : new InstrumentedModules.Instrumented(known != null ? known : Files.readAllBytes(path),
                        new InstrumentedModules.Exports(null, null, null));
        module = new CompiledModule(Module.fromBinary(compileEngine, prepared.bytes()), prepared.exports());
        compiled.put(cacheKey, module);
        if (compiled.size() > COMPILED_MODULES_KEPT) {
            var eldest = compiled.entrySet().iterator().next();
            compiled.remove(eldest.getKey());
            eldest.getValue().module().dispose();
        }
        return module;
    }

    private static void own(List<Disposable> owned, Extern extern) {
        switch (extern.type()) {
            case FUNC -> owned.add(extern.func());
            case MEMORY -> owned.add(extern.memory());
            case TABLE -> {
                // wasmtime-java 0.19 has no native Table.dispose; the handle is left to the store
            }
            case GLOBAL -> owned.add(extern.global());
            default -> {
            }
        }
    }

    static String describe(Trap trap) {
        return switch (trap) {
            case STACK_OVERFLOW -> "call stack exhausted (stack overflow)";
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
        compiled.values().forEach(m -> m.module().dispose());
        compiled.clear();
        pollForwarder.dispose();
        channelForwarder.dispose();
        quickJsStubs.dispose();
        stepForwarder.dispose();
        writeForwarder.dispose();
        linker.dispose();
        compileEngine.dispose();
        handleSource.dispose();
        engine.dispose();
    }

    /** Milestones of an attempt that the engine hears about. */
    public interface Progress {
        /** The module is not among the compiled ones: it is about to be rewritten and compiled. */
        void compiling();

        /** The guest's {@code _start} is about to run; its deadline is armed. */
        void started();

        Progress NONE = new Progress() {
            @Override
            public void compiling() {
            }

            @Override
            public void started() {
            }
        };
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
