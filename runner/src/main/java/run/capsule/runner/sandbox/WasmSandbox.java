package run.capsule.runner.sandbox;

import run.capsule.protocol.ErrorType;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.guest.PythonLaunch;
import run.capsule.runner.host.HostCalls;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The runner's sandbox: runs one attempt at a time in WebAssembly. The wasmtime-java binding never leaves this
 * package, and no public signature of it names a binding type: misusing the binding's objects (a disposed store, a
 * foreign engine) aborts the JVM, so each attempt's objects live and die in one {@link AttemptScope}.
 *
 * <p>The jobs are in classes of their own: {@link WasmEngine} (engine and epoch ticker), {@link CompiledModules}
 * (rewrite, compile, keep), {@link GuestLaunch} (Python and JavaScript tasks), {@link AttemptRunner} (one attempt),
 * {@link WasiSetup}, {@link ImportResolver}, {@link Forwarders}, {@link GuestHost} (the host functions),
 * {@link QuickJsDriver}, {@link Outcome} (how an attempt ended, as an error type) and {@link ConformanceSession}.
 */
public final class WasmSandbox implements AutoCloseable {
    /** How modules are prepared before compiling. */
    public enum Instrumentation {
        /** Production: rewritten with fuel metering, memory cap and growth tracking. */
        FULL,
        /** The original bytes, unmetered and uncapped: only for comparisons and measurements. */
        NONE
    }

    private final WasmEngine engine;
    private final Forwarders forwarders;
    private final CompiledModules modules;
    private final AttemptRunner attempts;
    private final GuestLaunch launch;
    private volatile HostCalls hostCalls = HostCalls.BASIC;

    private WasmSandbox(WasmEngine engine, Path cacheDir, Instrumentation instrumentation) {
        this.engine = engine;
        this.forwarders = new Forwarders(engine);
        this.modules = new CompiledModules(engine, cacheDir, instrumentation);
        this.attempts = new AttemptRunner(engine, modules, forwarders, instrumentation == Instrumentation.FULL);
        this.launch = new GuestLaunch(cacheDir);
    }

    /** Creates the engine with epoch interruption and wasmtime's on-disk compile cache under {@code cacheDir}. */
    public static WasmSandbox create(Path cacheDir) throws IOException {
        return create(cacheDir, Instrumentation.FULL);
    }

    public static WasmSandbox create(Path cacheDir, Instrumentation instrumentation) throws IOException {
        return new WasmSandbox(WasmEngine.create(cacheDir), cacheDir, instrumentation);
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
        return run(request, workDir, watcher, progress, false);
    }

    /**
     * Runs the start-up canary: like {@link #run}, but read-write grants also allow creating symlinks, which
     * tasks never get. Only for {@link SymlinkCanary}.
     */
    AttemptResult runWithSymlinkGrants(RunAttempt request, Path workDir) {
        return run(request, workDir, StreamWatcher.NONE, Progress.NONE, true);
    }

    private AttemptResult run(RunAttempt request, Path workDir, StreamWatcher watcher, Progress progress, boolean symlinkGrants) {
        long started = System.nanoTime();
        if (request.writeQuotaBytes() < 0) {
            return Outcome.failure(request, ErrorType.INVALID_INPUT, "writeQuotaBytes must be 0 or more, not " + request.writeQuotaBytes(), started);
        }
        if (GuestLaunch.runsPython(request)) {
            try {
                Progress compiling = GuestLaunch.compilingOnly(progress);
                PythonLaunch.Runner compiler = (attempt, dir) -> run(attempt, dir, StreamWatcher.NONE, compiling, false);
                request = launch.pythonCommand(request, compiler);
            } catch (IOException e) {
                return Outcome.failure(request, ErrorType.INTERNAL_ERROR, "cannot prepare the Python guest library: " + e.getMessage(), started);
            }
        }
        return attempts.run(request, workDir, watcher, progress, symlinkGrants, hostCalls, started);
    }

    /**
     * A store in which modules are instantiated and their exports called, for conformance tests that compare plain
     * and rewritten modules. Close it before the sandbox.
     */
    public ConformanceSession openSession() {
        return new ConformanceSession(engine);
    }

    /** The first lines of an exception's message, without the binding's backtrace: for a one-line error. */
    public static String oneLine(String message) {
        return Outcome.oneLine(message);
    }

    @Override
    public void close() {
        modules.close();
        forwarders.close();
        engine.close();
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
