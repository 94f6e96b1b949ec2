package run.capsule.runner.sandbox;

import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Val;
import run.capsule.runner.wasm.PollForwarder;
import run.capsule.runner.wasm.QuickJsStubs;
import run.capsule.runner.wasm.WasiForwarder;
import run.capsule.runner.wasm.WasiPreview1;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The small forwarding modules through which a host function that takes over a WASI import hands a call on to WASI's
 * own function (WASI cannot be called from Java directly: it needs a wasm caller's memory). Compiled once; each is
 * instantiated per attempt against the guest's memory.
 */
final class Forwarders implements AutoCloseable {
    static final List<WasiForwarder.Function> STEP_FUNCTIONS = List.of(
            new WasiForwarder.Function("clock_time_get", List.of(WasiForwarder.I32, WasiForwarder.I64, WasiForwarder.I32)),
            new WasiForwarder.Function("random_get", List.of(WasiForwarder.I32, WasiForwarder.I32)));
    static final List<WasiForwarder.Function> CHANNEL_FUNCTIONS = channelFunctions();

    private final WasmEngine engine;
    private final Module poll;
    private final Module channel;
    private final Module steps;
    private final Module writes;
    /** Not a forwarder: the no-op {@code env.*} functions quickjs-wasi imports and the driver does not serve. */
    final Module quickJsStubs;

    Forwarders(WasmEngine engine) {
        this.engine = engine;
        this.poll = engine.compile(PollForwarder.module());
        this.channel = engine.compile(WasiForwarder.module(CHANNEL_FUNCTIONS));
        this.quickJsStubs = engine.compile(QuickJsStubs.module());
        this.steps = engine.compile(WasiForwarder.module(STEP_FUNCTIONS));
        this.writes = engine.compile(WasiForwarder.module(GrantWrites.FUNCTIONS));
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

    /** The binding's type of WASI function {@code name} among {@code functions}. */
    static FuncType wasiType(List<WasiForwarder.Function> functions, String name) {
        WasiForwarder.Function function = functions.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
        Val.Type[] params = function.params().stream().map(t -> t == WasiForwarder.I64 ? Val.Type.I64 : Val.Type.I32).toArray(Val.Type[]::new);
        return new FuncType(params, new Val.Type[] {Val.Type.I32});
    }

    /** WASI's own channel functions (path_open, fd_write, ...) by name, bound to this guest's memory. */
    Map<String, Func> channel(AttemptScope scope, Memory memory) {
        return instantiate(channel, CHANNEL_FUNCTIONS, scope, memory);
    }

    /** WASI's own clock_time_get and random_get, bound to this guest's memory. */
    Map<String, Func> steps(AttemptScope scope, Memory memory) {
        return instantiate(steps, STEP_FUNCTIONS, scope, memory);
    }

    /** WASI's own fd_write, fd_pwrite and fd_renumber, bound to this guest's memory. */
    Map<String, Func> writes(AttemptScope scope, Memory memory) {
        return instantiate(writes, GrantWrites.FUNCTIONS, scope, memory);
    }

    /** WASI's own poll_oneoff, bound to this guest's memory. */
    Func poll(AttemptScope scope, Memory memory) {
        return instantiate(poll, List.of(PollForwarder.FUNCTION_TYPE), scope, memory).get(PollForwarder.FUNCTION);
    }

    private Map<String, Func> instantiate(Module forwarder, List<WasiForwarder.Function> functions, AttemptScope scope, Memory memory) {
        List<Extern> imports = new ArrayList<>();
        for (WasiForwarder.Function function : functions) {
            imports.add(scope.own(engine.wasiLinker().get(scope.store(), WasiPreview1.MODULE, function.name()).orElseThrow()));
        }
        imports.add(Extern.fromMemory(memory));
        Instance instance = scope.own(new Instance(scope.store(), forwarder, imports));
        Map<String, Func> forwards = new HashMap<>();
        for (WasiForwarder.Function function : functions) {
            forwards.put(function.name(), scope.own(instance.getFunc(scope.store(), function.name()).orElseThrow()));
        }
        return forwards;
    }

    @Override
    public void close() {
        poll.dispose();
        channel.dispose();
        quickJsStubs.dispose();
        steps.dispose();
        writes.dispose();
    }
}
