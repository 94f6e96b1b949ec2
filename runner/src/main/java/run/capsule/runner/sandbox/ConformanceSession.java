package run.capsule.runner.sandbox;

import run.capsule.protocol.ErrorType;
import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.ImportType;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Linker;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A store in which modules are instantiated and their exports called with arguments, for conformance tests (the
 * WebAssembly spec suite) that compare plain and rewritten modules. Only numbers (i32, i64, f32, f64) cross the
 * boundary, as {@code TYPE:BITS} strings; the binding's objects stay inside. Not for guests: no WASI, no limits, no deadline.
 */
public final class ConformanceSession implements AutoCloseable {
    private final WasmEngine engine;
    private final AttemptScope scope;
    private final Store<Void> store;
    private final Linker sessionLinker;
    private final Map<String, Instance> instances = new LinkedHashMap<>();

    ConformanceSession(WasmEngine engine) {
        this.engine = engine;
        this.scope = new AttemptScope(engine.newStore());
        this.store = scope.store();
        this.sessionLinker = scope.own(engine.newLinker());
    }

    /**
     * Compiles and instantiates a module, resolving its imports among the registered names, and keeps the
     * instance under {@code name}.
     */
    public Invocation instantiate(String name, byte[] bytes) {
        Module module;
        try {
            module = engine.compile(bytes);
        } catch (WasmtimeException e) {
            return new Invocation("error", List.of("compile: " + Outcome.oneLine(e.getMessage())));
        }
        scope.own(module);
        List<Extern> externs = new ArrayList<>();
        for (ImportType imp : module.imports()) {
            if (imp.type() == ImportType.Type.GLOBAL || imp.type() == ImportType.Type.TABLE) {
                return new Invocation(ErrorType.UNSUPPORTED.wireName(), List.of("the binding cannot pass imported globals and tables"));
            }
            Optional<Extern> found = sessionLinker.get(store, imp.module(), imp.name());
            if (found.isEmpty()) {
                return new Invocation("error", List.of("unknown import " + imp.module() + "." + imp.name()));
            }
            scope.own(found.get());
            externs.add(found.get());
        }
        store.setEpochDeadline(WasmEngine.NO_DEADLINE_TICKS);
        try {
            Instance instance = new Instance(store, module, externs);
            scope.own(instance);
            instances.put(name, instance);
            return new Invocation("ok", List.of());
        } catch (WasmFunctionError.TrapError e) {
            return new Invocation("trap:" + e.trap().name(), List.of());
        } catch (WasmtimeException e) {
            return new Invocation("error", List.of("instantiate: " + Outcome.oneLine(e.getMessage())));
        } catch (RuntimeException e) {
            return new Invocation(ErrorType.UNSUPPORTED.wireName(), List.of("the binding cannot pass this import: " + e.getMessage()));
        }
    }

    /** Instantiates a module once and defines all its exports under {@code as} (globals and tables too). */
    public Invocation defineModule(String as, byte[] bytes) {
        store.setEpochDeadline(WasmEngine.NO_DEADLINE_TICKS);
        try {
            Module module = engine.compile(bytes);
            scope.own(module);
            sessionLinker.module(store, as, module);
            return new Invocation("ok", List.of());
        } catch (WasmtimeException e) {
            return new Invocation("error", List.of(Outcome.oneLine(e.getMessage())));
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
                    scope.own(f);
                    return Extern.fromFunc(f);
                });
                case "memory" -> instance.getMemory(store, export.getKey()).map(m -> {
                    scope.own(m);
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
        scope.own(func.get());
        Val[] params = args.stream().map(ConformanceSession::toVal).toArray(Val[]::new);
        store.setEpochDeadline(WasmEngine.NO_DEADLINE_TICKS);
        try {
            Val[] results = func.get().call(store, params);
            return new Invocation("ok", Arrays.stream(results).map(ConformanceSession::fromVal).toList());
        } catch (WasmFunctionError.TrapError e) {
            return new Invocation("trap:" + e.trap().name(), List.of());
        } catch (WasmtimeException e) {
            return new Invocation("error", List.of(Outcome.oneLine(e.getMessage())));
        }
    }

    @Override
    public void close() {
        scope.close();
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
}
