package run.capsule.runner.sandbox;

import io.github.kawamuray.wasmtime.Module;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.wasm.InvalidModuleException;
import run.capsule.runner.wasm.RewriteOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The compiled modules, most recently used kept: every module is rewritten before it is compiled (see docs/fuel.md:
 * fuel metering, the attempt's memory cap, growth tracking, no custom sections, size refusals), and kept under the
 * same key as its instrumented bytes on disk.
 */
final class CompiledModules implements AutoCloseable {
    private static final int KEPT = 16;

    private final WasmEngine engine;
    private final InstrumentedModules instrumented;
    private final WasmSandbox.Instrumentation instrumentation;
    private final Map<String, CompiledModule> compiled = new LinkedHashMap<>(16, 0.75f, true);

    /** {@code jsBytecode}: for the JavaScript interpreter, its guest library and boot compiled by the first attempt. */
    record CompiledModule(Module module, InstrumentedModules.Exports exports, AtomicReference<JsBytecode> jsBytecode) {
        CompiledModule(Module module, InstrumentedModules.Exports exports) {
            this(module, exports, new AtomicReference<>());
        }
    }

    /** QuickJS bytecode of the guest library ({@code "capsule"}) and of the boot module. */
    record JsBytecode(byte[] library, byte[] boot) {
    }

    CompiledModules(WasmEngine engine, Path cacheDir, WasmSandbox.Instrumentation instrumentation) {
        this.engine = engine;
        this.instrumented = new InstrumentedModules(cacheDir);
        this.instrumentation = instrumentation;
    }

    /** The module of {@code request}, compiled now (after telling {@code progress}) unless it is kept. */
    CompiledModule get(RunAttempt request, WasmSandbox.Progress progress) throws IOException, InvalidModuleException {
        Path path = Path.of(request.modulePath());
        byte[] original = null;
        String digest = request.moduleSha256();
        if (!InstrumentedModules.isDigest(digest)) {
            original = Files.readAllBytes(path);
            digest = InstrumentedModules.digest(digest, original);
        }
        InstrumentedModules.Key key = new InstrumentedModules.Key(digest, memoryLimitPages(request), true);
        String cacheKey = instrumentation == WasmSandbox.Instrumentation.FULL ? key.name() : digest + "-original";
        CompiledModule module = compiled.get(cacheKey);
        if (module != null) {
            return module;
        }
        progress.compiling();
        byte[] known = original;
        InstrumentedModules.Instrumented prepared = instrumentation == WasmSandbox.Instrumentation.FULL
                ? instrumented.get(key, request.programName(), () -> known != null ? known : Files.readAllBytes(path))
                : new InstrumentedModules.Instrumented(known != null ? known : Files.readAllBytes(path),
                        new InstrumentedModules.Exports(null, null, null));
        module = new CompiledModule(engine.compile(prepared.bytes()), prepared.exports());
        compiled.put(cacheKey, module);
        if (compiled.size() > KEPT) {
            var eldest = compiled.entrySet().iterator().next();
            compiled.remove(eldest.getKey());
            eldest.getValue().module().dispose();
        }
        return module;
    }

    static long memoryLimitPages(RunAttempt request) {
        long pages = request.memoryLimitPages();
        return pages <= 0 || pages > RewriteOptions.WASM32_MAX_PAGES ? RewriteOptions.WASM32_MAX_PAGES : pages;
    }

    @Override
    public void close() {
        compiled.values().forEach(m -> m.module().dispose());
        compiled.clear();
    }
}
