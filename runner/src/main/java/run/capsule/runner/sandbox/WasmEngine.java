package run.capsule.runner.sandbox;

import io.github.kawamuray.wasmtime.Config;
import io.github.kawamuray.wasmtime.Engine;
import io.github.kawamuray.wasmtime.Linker;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.wasi.WasiCtx;
import run.capsule.runner.AtomicFiles;
import run.capsule.runner.NativeLibrary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The wasmtime engine of the runner: epoch interruption driven by a ticker thread, wasmtime's on-disk compile cache,
 * the WASI linker, and a second handle to the same engine for compiling, so that a long compile never holds up the
 * ticker (a compile on the ticker's handle stalls its ticks).
 */
final class WasmEngine implements AutoCloseable {
    static final long TICK_MS = 10;
    static final long NO_DEADLINE_TICKS = Long.MAX_VALUE / 4;

    private final Engine engine;
    /** Kept for the engine's life: the second engine handle is taken from it. */
    private final Store<Void> handleSource;
    private final Engine compileEngine;
    private final Linker wasiLinker;
    private final Thread ticker;

    private WasmEngine(Engine engine) {
        this.engine = engine;
        this.handleSource = new Store<>(null, engine);
        this.compileEngine = handleSource.engine();
        this.wasiLinker = new Linker(engine);
        WasiCtx.addToLinker(wasiLinker);
        this.ticker = new Thread(this::tick, "capsule-epoch-ticker");
        this.ticker.setDaemon(true);
        this.ticker.start();
    }

    /** Creates the engine with epoch interruption and wasmtime's on-disk compile cache under {@code cacheDir}. */
    static WasmEngine create(Path cacheDir) throws IOException {
        Path compileCache = cacheDir.resolve("wasmtime-" + NativeLibrary.WASMTIME_VERSION);
        Files.createDirectories(compileCache);
        Path cacheConfig = cacheDir.resolve("wasmtime-" + NativeLibrary.WASMTIME_VERSION + "-cache.toml");
        String toml = "[cache]\nenabled = true\ndirectory = \"" + compileCache.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n";
        if (!Files.exists(cacheConfig) || !Files.readString(cacheConfig).equals(toml)) {
            AtomicFiles.write(cacheConfig, toml.getBytes(StandardCharsets.UTF_8));
        }
        Config config = new Config();
        try {
            config.epochInterruption(true);
            config.wasmThreads(false);
            config.cacheConfigLoad(cacheConfig);
            return new WasmEngine(new Engine(config));
        } finally {
            config.dispose();
        }
    }

    /** Compiles through the second handle; the caller owns the module. */
    Module compile(byte[] bytes) {
        return Module.fromBinary(compileEngine, bytes);
    }

    /** A store with no WASI; the caller owns it. */
    Store<Void> newStore() {
        return new Store<>(null, engine);
    }

    /** A store for a guest; it takes {@code wasi} with it. The caller owns it. */
    Store<Void> newStore(WasiCtx wasi) {
        return new Store<>(null, engine, wasi);
    }

    /** An empty linker on this engine; the caller owns it. */
    Linker newLinker() {
        return new Linker(engine);
    }

    /** The linker holding WASI preview 1; owned by the engine. */
    Linker wasiLinker() {
        return wasiLinker;
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
        wasiLinker.dispose();
        compileEngine.dispose();
        handleSource.dispose();
        engine.dispose();
    }
}
