package run.capsule.runner.sandbox;

import run.capsule.protocol.ErrorType;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.guest.JavaScriptModules;
import run.capsule.runner.host.GuestReport;
import run.capsule.runner.host.HostCallExchange;
import run.capsule.runner.host.HostCalls;
import run.capsule.runner.host.HostRequestLog;
import run.capsule.runner.host.StepLog;
import run.capsule.runner.host.WasiChannel;
import run.capsule.runner.host.WasiSteps;
import run.capsule.runner.host.WriteQuota;
import run.capsule.runner.wasm.InvalidModuleException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Runs one attempt of a prepared command in a store of its own: output files, the compiled module, the WASI context,
 * the imports, the deadline and the fuel budget, then the guest's {@code _start} (or the QuickJS driver), and turns
 * what happened into an {@link AttemptResult}. Every binding object of the attempt lives in one {@link AttemptScope}.
 */
final class AttemptRunner {
    /**
     * The fuel a Python or JavaScript task may spend before its function begins (interpreter start-up, loading the
     * source) when its own budget is smaller; the budget is refilled at {@code begin} (docs/languages.md).
     */
    static final long PROGRAM_START_FUEL = 5_000_000_000L;

    private final WasmEngine engine;
    private final CompiledModules modules;
    private final Forwarders forwarders;
    private final boolean reportsFuel;

    AttemptRunner(WasmEngine engine, CompiledModules modules, Forwarders forwarders, boolean reportsFuel) {
        this.engine = engine;
        this.modules = modules;
        this.forwarders = forwarders;
        this.reportsFuel = reportsFuel;
    }

    /** Runs {@code request} (a Python task already turned into its interpreter's command) to its end. */
    AttemptResult run(RunAttempt request, Path workDir, WasmSandbox.StreamWatcher watcher, WasmSandbox.Progress progress,
                      boolean symlinkGrants, HostCalls hostCalls, long started) {
        OutputFile stdout;
        OutputFile stderr;
        try {
            Files.createDirectories(workDir);
            stdout = new OutputFile(workDir.resolve("stdout"));
            stderr = new OutputFile(workDir.resolve("stderr"));
        } catch (IOException e) {
            return Outcome.failure(request, ErrorType.INTERNAL_ERROR, "cannot prepare guest output files: " + e.getMessage(), started);
        }
        QuickJsDriver js = null;
        if (GuestLaunch.runsJavaScript(request)) {
            try {
                js = GuestLaunch.javaScriptDriver(request, forwarders, stdout, stderr);
            } catch (JavaScriptModules.Refused e) {
                return Outcome.failure(request, ErrorType.INVALID_INPUT, e.getMessage(), started);
            } catch (IOException e) {
                return Outcome.failure(request, ErrorType.INTERNAL_ERROR, "cannot prepare guest output files: " + e.getMessage(), started);
            }
        }
        try {
            return run(new Attempt(request, workDir, watcher, progress, hostCalls, started, stdout, stderr, js), symlinkGrants);
        } finally {
            if (js != null) {
                js.closeOutputs();
            }
        }
    }

    /** What one attempt runs with; {@code js} is the driver of a JavaScript task, else null. */
    private record Attempt(RunAttempt request, Path workDir, WasmSandbox.StreamWatcher watcher, WasmSandbox.Progress progress,
                           HostCalls hostCalls, long started, OutputFile stdout, OutputFile stderr, QuickJsDriver js) {
        AttemptResult failure(ErrorType errorType, String message) {
            return Outcome.failure(request, errorType, message, started);
        }
    }

    private AttemptResult run(Attempt attempt, boolean symlinkGrants) {
        RunAttempt request = attempt.request();
        QuickJsDriver js = attempt.js();
        CompiledModules.CompiledModule module;
        try {
            module = modules.get(request, attempt.progress());
        } catch (InvalidModuleException e) {
            return attempt.failure(ErrorType.INVALID_INPUT, e.getMessage());
        } catch (WasmtimeException e) {
            return attempt.failure(ErrorType.INVALID_INPUT, request.programName() + " is not a valid module: " + Outcome.oneLine(e.getMessage()));
        } catch (IOException e) {
            return attempt.failure(ErrorType.INTERNAL_ERROR, "cannot read module file: " + e.getMessage());
        }
        WasiSetup.GuestWasi wasi;
        try {
            wasi = WasiSetup.build(request, attempt.workDir(), attempt.stdout(), attempt.stderr(), js != null, symlinkGrants);
        } catch (IOException e) {
            return attempt.failure(ErrorType.INTERNAL_ERROR, "cannot prepare the host-call channel: " + e.getMessage());
        }
        long monotonicOrigin = System.nanoTime();
        AttemptScope scope = new AttemptScope(engine.newStore(wasi.ctx()));
        Store<Void> store = scope.store();
        GuestHost host = new GuestHost(store);
        HostRequestLog hostRequests = new HostRequestLog();
        GuestReport report = new GuestReport(request.durability(), new WriteQuota(request.writeQuotaBytes()));
        host.steps = report.steps();
        if (js == null && request.mounts().stream().anyMatch(m -> !m.readOnly())) {
            host.writes = new GrantWrites(report.writeQuota());
        }
        boolean takesSteps = request.program() != null && report.steps().enabled();
        if (wasi.channelDirFd() >= 0) {
            host.channel = new WasiChannel(wasi.channelDirFd(), bytes -> host.dispatcher.dispatch(bytes));
        }
        Outcome outcome = new Outcome();
        long budget = request.fuel() > 0 ? request.fuel() : Long.MAX_VALUE;
        attempt.watcher().start(attempt.stdout(), attempt.stderr());
        try {
            ImportResolver.Resolved imports;
            try {
                imports = ImportResolver.resolve(module.module(), request.programName(), scope, engine.wasiLinker(), host, js, takesSteps);
            } catch (ImportResolver.Refused e) {
                return attempt.failure(ErrorType.INVALID_INPUT, e.getMessage());
            }
            Instance instance;
            try {
                instance = new Instance(store, module.module(), imports.externs());
            } catch (WasmFunctionError e) {
                throw e;
            } catch (WasmtimeException e) {
                return attempt.failure(ErrorType.INVALID_INPUT, request.programName() + " cannot be instantiated: " + Outcome.oneLine(e.getMessage()));
            }
            scope.own(instance);
            Optional<Func> start = js != null ? Optional.empty() : instance.getFunc(store, "_start").map(scope::own);
            if (js == null && start.isEmpty()) {
                return attempt.failure(ErrorType.INVALID_INPUT, request.programName() + " exports no _start function");
            }
            Optional<Memory> memory = instance.getMemory(store, "memory").map(scope::own);
            host.memory = memory.orElse(null);
            if (js != null) {
                Optional<String> unusable = js.bind(scope, instance, host.memory);
                if (unusable.isPresent()) {
                    return attempt.failure(ErrorType.INVALID_INPUT, unusable.get());
                }
            }
            if (memory.isPresent()) {
                bindForwarders(host, imports, scope, memory.get(), report);
            }
            Optional<Func> fuelSetter = exportedFunc(instance, scope, module.exports().fuelSetter());
            Optional<Func> fuelGetter = exportedFunc(instance, scope, module.exports().fuelGetter());
            Optional<Func> growthFlag = exportedFunc(instance, scope, module.exports().growthRefusedFlag());

            store.setEpochDeadline(request.timeoutMs() > 0 ? request.timeoutMs() / WasmEngine.TICK_MS + 1 : WasmEngine.NO_DEADLINE_TICKS);
            long deadline = System.nanoTime() + (request.timeoutMs() > 0 ? request.timeoutMs() * 1_000_000 : Long.MAX_VALUE / 4);
            host.clock = new ClockPoll(monotonicOrigin, deadline, report.steps()::replaying);
            host.dispatcher = attempt.hostCalls().dispatcherFor(request, deadline, hostRequests, report);
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
            attempt.progress().started();
            execute(start, js, module, fuelSetter, budget, deadline, host, report, outcome);
            store.setEpochDeadline(WasmEngine.NO_DEADLINE_TICKS);
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
            outcome.internalError = "sandbox failure: " + Outcome.oneLine(String.valueOf(e.getMessage()));
        } finally {
            attempt.watcher().stop();
            scope.close();
        }
        return result(attempt, outcome, report, hostRequests, budget);
    }

    /** The forwarders through which the host functions that took over WASI imports reach WASI's own functions. */
    private void bindForwarders(GuestHost host, ImportResolver.Resolved imports, AttemptScope scope, Memory memory, GuestReport report) {
        if (imports.poll()) {
            host.forward = forwarders.poll(scope, memory);
        }
        if (imports.channel()) {
            host.channelForward = forwarders.channel(scope, memory);
        }
        if (imports.writes() || imports.channel() && host.writes != null) {
            host.writeForward = forwarders.writes(scope, memory);
        }
        if (imports.steps()) {
            host.stepForward = forwarders.steps(scope, memory);
            host.wasiSteps = new WasiSteps(report.steps());
        }
    }

    /** Runs the guest to its end and records how it ended in {@code outcome}. */
    private static void execute(Optional<Func> start, QuickJsDriver js, CompiledModules.CompiledModule module, Optional<Func> fuelSetter,
                                long budget, long deadline, GuestHost host, GuestReport report, Outcome outcome) {
        Store<Void> store = host.store();
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
            outcome.hostError = Outcome.oneLine(e.getMessage());
        }
    }

    private AttemptResult result(Attempt attempt, Outcome outcome, GuestReport report, HostRequestLog hostRequests, long budget) {
        RunAttempt request = attempt.request();
        outcome.classify(request.timeoutMs(), budget, CompiledModules.memoryLimitPages(request));
        outcome.apply(report);
        outcome.applyWriteQuota(report.writeQuota());
        StepLog.Stop stop = report.steps().verdict(outcome.errorType);
        if (stop != null) {
            outcome.errorType = stop.errorType().wireName();
            outcome.message = stop.message();
        }
        try {
            OutputFile.Captured out = attempt.stdout().read(request.outputLimitBytes());
            OutputFile.Captured err = attempt.stderr().read(request.outputLimitBytes());
            return new AttemptResult(request.attemptId(), outcome.exitCode, outcome.trapName(), outcome.errorType, outcome.message,
                    out.text(), out.truncated(), err.text(), err.truncated(), Outcome.elapsedMs(attempt.started()), outcome.ramUsed,
                    reportsFuel ? outcome.fuelConsumed : null, false, hostRequests.requests(),
                    outcome.errorType == null ? report.valueJson() : null, report.traceback(), report.steps().leftover(),
                    report.steps().replayed(), stop == null ? null : stop.resumeAtEpochMs());
        } catch (IOException e) {
            return attempt.failure(ErrorType.INTERNAL_ERROR, "cannot read guest output: " + e.getMessage());
        }
    }

    private static Optional<Func> exportedFunc(Instance instance, AttemptScope scope, String name) {
        return name == null ? Optional.empty() : instance.getFunc(scope.store(), name).map(scope::own);
    }
}
