package run.capsule.runner.wasm;

import java.io.IOException;
import java.nio.file.Path;
import run.capsule.runner.testing.Prerequisites;
import run.capsule.runner.NativeLibrary;
import run.capsule.runner.sandbox.WasmSandbox;

/**
 * wasmtime inside the test JVM. The native library is extracted to {@code target/capsule-cache}, which the
 * surefire configuration puts on {@code java.library.path}, so the binding never copies itself to /tmp.
 * Without that setting (a run outside Maven), tests that need wasmtime are skipped.
 */
final class InProcessWasmtime {
    static final Path CACHE = Path.of("target", "capsule-cache").toAbsolutePath();

    private InProcessWasmtime() {
    }

    static WasmSandbox sandbox(WasmSandbox.Instrumentation instrumentation) throws IOException {
        Path dir = NativeLibrary.extract(CACHE);
        try {
            NativeLibrary.requireOnLibraryPath(dir);
        } catch (IllegalStateException e) {
            Prerequisites.missing("wasmtime not loaded in-process: " + e.getMessage()
                    + " (run the tests through Maven, whose surefire argLine puts target/capsule-cache/native on java.library.path)");
        }
        return WasmSandbox.create(CACHE, instrumentation);
    }
}
