package run.capsule.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** The committed test guests (engine/src/test/wasm) and samples. */
public final class TestModules {
    private TestModules() {
    }

    public static Path wasm(String name) {
        Path p = Path.of(System.getenv().getOrDefault("CAPSULE_TEST_WASM_DIR", "src/test/wasm")).resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("test module missing: " + p.toAbsolutePath());
        }
        return p.toAbsolutePath();
    }

    public static Path sample(String relative) {
        Path p = Path.of(System.getenv().getOrDefault("CAPSULE_SAMPLES_DIR", "../samples")).resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("sample missing: " + p.toAbsolutePath());
        }
        return p.toAbsolutePath();
    }
}
