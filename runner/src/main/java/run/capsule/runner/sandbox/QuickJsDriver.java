package run.capsule.runner.sandbox;

import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;
import run.capsule.runner.guest.JavaScriptModules;
import run.capsule.runner.host.HostCallDispatcher;
import run.capsule.runner.wasm.QuickJsStubs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Drives quickjs-wasi's reactor for a JavaScript task (docs/languages.md): serves its {@code env.*} imports,
 * evaluates the boot module, then runs QuickJS's job queue and the boot's {@code __capsule_step()} (which waits
 * for child tasks and runs timers) until the boot has reported how the task ended. JavaScript reaches the runner
 * through three functions on its global object: {@code __capsule_host(json)}, the host-call channel;
 * {@code __capsule_write(fd, text)}, the console; {@code __capsule_sleep(ms)}, for timers. Values cross as
 * pointers to QuickJS's heap-allocated {@code JSValue}s; each one made here is freed here.
 */
final class QuickJsDriver {
    static final String IMPORT_MODULE = "env";
    private static final int EVAL_GLOBAL = 0;
    private static final int EVAL_MODULE = 1;
    private static final String HOST_FUNCTION = "__capsule_host";
    private static final String WRITE_FUNCTION = "__capsule_write";
    private static final String SLEEP_FUNCTION = "__capsule_sleep";
    private static final byte[] STEP = "__capsule_step()".getBytes(StandardCharsets.UTF_8);
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
    private final Map<String, Func> exports = new HashMap<>();
    private Instance stubInstance;
    private Store<Void> store;
    private Instance instance;
    private Memory memory;
    private AttemptScope scope;
    HostCallDispatcher dispatcher;
    GuestHost host;
    long deadlineNanos = Long.MAX_VALUE;
    /** A trap or exit inside a call a host function made back into the guest: it, not the host function's failure, ended the call. */
    private RuntimeException nestedFailure;
    private CompiledModules.JsBytecode bytecode;

    QuickJsDriver(JavaScriptModules modules, Module stubs, CappedOutput stdout, CappedOutput stderr) {
        this.modules = modules;
        this.stubs = stubs;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Closes the console's output files; the attempt reads them afterwards. */
    void closeOutputs() {
        stdout.close();
        stderr.close();
    }

    private static FuncType funcType(int params, boolean result) {
        Val.Type[] in = new Val.Type[params];
        Arrays.fill(in, Val.Type.I32);
        return new FuncType(in, result ? new Val.Type[] {Val.Type.I32} : new Val.Type[0]);
    }

    /** The function for import {@code env.NAME}, or empty when quickjs-wasi has no such import; the caller owns it. */
    Optional<Func> importFunc(AttemptScope scope, String name) {
        Store<Void> store = scope.store();
        if (QuickJsStubs.FUNCTIONS.contains(name)) {
            if (stubInstance == null) {
                stubInstance = scope.own(new Instance(store, stubs, List.of()));
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
    Optional<String> bind(AttemptScope scope, Instance instance, Memory memory) {
        this.scope = scope;
        this.store = scope.store();
        this.instance = instance;
        this.memory = memory;
        if (memory == null) {
            return Optional.of("the JavaScript interpreter exports no memory");
        }
        for (String name : List.of("_initialize", "qjs_init", "qjs_eval", "qjs_execute_pending_job", "qjs_new_host_function", "wasm_malloc")) {
            if (instance.getFunc(store, name).map(f -> {
                scope.own(f);
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
    CompiledModules.JsBytecode start(CompiledModules.JsBytecode compiled) {
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
                    : new CompiledModules.JsBytecode(compile(JavaScriptModules.librarySource(), JavaScriptModules.LIBRARY),
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
        int namePtr = write(name.getBytes(StandardCharsets.UTF_8));
        int buffer = i32("qjs_compile", codePtr, source.length, namePtr, EVAL_MODULE, 0, lengthPtr);
        free(codePtr);
        free(namePtr);
        if (buffer == 0) {
            throw new GuestFailure("cannot compile the JavaScript module " + name + ": " + exceptionText());
        }
        ByteBuffer mem = buffer();
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
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        int namePtr = write(bytes);
        int function = i32("qjs_new_host_function", namePtr, bytes.length, 0);
        int global = i32("qjs_get_global");
        i32("qjs_set_prop_string", global, namePtr, function);
        freeValue(global);
        freeValue(function);
        free(namePtr);
    }

    private int hostCall(int namePtr, int nameLen, int thisPtr, int argc, int argvPtr) {
        ByteBuffer mem = buffer();
        byte[] nameBytes = new byte[nameLen];
        mem.get(namePtr, nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
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
            throw new WasmFunctionError.I32ExitError(GuestHost.DEADLINE_EXIT);
        }
    }

    private int normalize(int basePtr, int specifierPtr) {
        String base = cString(basePtr);
        String specifier = cString(specifierPtr);
        try {
            return write(modules.normalize(base, specifier).getBytes(StandardCharsets.UTF_8));
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
        int text = newString(message.getBytes(StandardCharsets.UTF_8));
        int key = write("message".getBytes(StandardCharsets.US_ASCII));
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
        return text == null ? "unknown error" : new String(text, StandardCharsets.UTF_8);
    }

    private int eval(byte[] code, String filename, int flags) {
        int codePtr = write(code);
        int namePtr = write(filename.getBytes(StandardCharsets.UTF_8));
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
        ByteBuffer mem = buffer();
        byte[] bytes = new byte[mem.getInt(lengthPtr)];
        mem.get(chars, bytes);
        call("qjs_free_cstring", chars);
        free(lengthPtr);
        return bytes;
    }

    private String cString(int ptr) {
        ByteBuffer mem = buffer();
        int end = ptr;
        while (mem.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - ptr];
        mem.get(ptr, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Copies {@code bytes} and a terminating NUL into a fresh allocation. */
    private int write(byte[] bytes) {
        int ptr = malloc(bytes.length + 1);
        ByteBuffer mem = buffer();
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

    private ByteBuffer buffer() {
        return memory.buffer(store).order(ByteOrder.LITTLE_ENDIAN);
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
            scope.own(func);
            exports.put(name, func);
        }
        return func;
    }
}
