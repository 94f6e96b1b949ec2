package run.capsule.runner.sandbox;

import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.ImportType;
import io.github.kawamuray.wasmtime.Linker;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Val;
import run.capsule.runner.host.WasiChannel;
import run.capsule.runner.wasm.HostCallImport;
import run.capsule.runner.wasm.PollForwarder;
import run.capsule.runner.wasm.WasiPreview1;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves each import of a guest module: the QuickJS driver's {@code env.*}, {@code capsule.host_call}, the WASI
 * functions a host function takes over (the channel's, the write quota's, the steps' clock and random, poll_oneoff),
 * and everything else from WASI. The binding cannot override a WASI function in a linker, so the externs are
 * assembled here for {@code new Instance(...)}.
 */
final class ImportResolver {
    private static final FuncType CLOCK_TIME_GET_TYPE = new FuncType(
            new Val.Type[] {Val.Type.I32, Val.Type.I64, Val.Type.I32}, new Val.Type[] {Val.Type.I32});
    private static final FuncType RANDOM_GET_TYPE = new FuncType(
            new Val.Type[] {Val.Type.I32, Val.Type.I32}, new Val.Type[] {Val.Type.I32});
    private static final FuncType POLL_ONEOFF_TYPE = new FuncType(
            new Val.Type[] {Val.Type.I32, Val.Type.I32, Val.Type.I32, Val.Type.I32}, new Val.Type[] {Val.Type.I32});
    private static final FuncType HOST_CALL_TYPE = POLL_ONEOFF_TYPE;

    /** The externs in import order, and which WASI functions a host function took over (each then needs its forwarder). */
    record Resolved(List<Extern> externs, boolean poll, boolean channel, boolean steps, boolean writes) {
    }

    /** An import the sandbox does not provide; the message is for the task's author. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private ImportResolver() {
    }

    /** {@code js}: the driver of a JavaScript task, else null; {@code takesSteps}: clock and random are journaled steps. */
    static Resolved resolve(Module module, String programName, AttemptScope scope, Linker wasiLinker, GuestHost host,
                            QuickJsDriver js, boolean takesSteps) throws Refused {
        List<Extern> externs = new ArrayList<>();
        boolean importsPoll = false;
        boolean importsChannel = false;
        boolean importsSteps = false;
        boolean importsWrites = false;
        for (ImportType imp : module.imports()) {
            boolean wasi = imp.module().equals(WasiPreview1.MODULE);
            String name = imp.name();
            Func func;
            if (js != null && imp.module().equals(QuickJsDriver.IMPORT_MODULE)) {
                func = scope.own(js.importFunc(scope, name).orElseThrow(() -> new Refused(programName + " imports " + imp.module() + "."
                        + name + ", which the JavaScript driver does not provide")));
            } else if (HostCallImport.is(imp.module(), name)) {
                func = scope.func(HOST_CALL_TYPE, host::hostCall);
            } else if (host.channel != null && wasi && WasiChannel.FUNCTIONS.contains(name)) {
                func = scope.func(Forwarders.wasiType(Forwarders.CHANNEL_FUNCTIONS, name),
                        (caller, params, results) -> host.channelCall(name, params, results));
                importsChannel = true;
            } else if (host.writes != null && wasi && GrantWrites.takesOver(name)) {
                func = scope.func(Forwarders.wasiType(GrantWrites.FUNCTIONS, name),
                        (caller, params, results) -> host.grantWrite(name, params, results));
                importsWrites = true;
            } else if (takesSteps && wasi && (name.equals("clock_time_get") || name.equals("random_get"))) {
                func = name.equals("clock_time_get") ? scope.func(CLOCK_TIME_GET_TYPE, host::clockTimeGet)
                        : scope.func(RANDOM_GET_TYPE, host::randomGet);
                importsSteps = true;
            } else if (wasi && name.equals(PollForwarder.FUNCTION)) {
                func = scope.func(POLL_ONEOFF_TYPE, host::pollOneoff);
                importsPoll = true;
            } else {
                Optional<Extern> found = wasiLinker.get(scope.store(), imp.module(), name);
                if (found.isEmpty()) {
                    throw new Refused(programName + " imports " + imp.module() + "." + name + ", which the sandbox does not provide");
                }
                externs.add(scope.own(found.get()));
                continue;
            }
            externs.add(Extern.fromFunc(func));
        }
        return new Resolved(externs, importsPoll, importsChannel, importsSteps, importsWrites);
    }
}
