package run.capsule.runner.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.runner.NativeLibrary;
import run.capsule.runner.testing.Prerequisites;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SymlinkCanaryTest {
    static final Path CACHE = Path.of("target", "capsule-cache").toAbsolutePath();

    @TempDir
    Path temp;

    private static AttemptResult exited(int code) {
        return new AttemptResult("symlink-canary", code, null, code == 0 ? null : "task_error",
                code == 0 ? null : "exited with code " + code, "", false, "", false, 1, null, null, false);
    }

    @Test
    void confinementHeldMeansServe() {
        assertThat(SymlinkCanary.verdict(exited(0))).isEmpty();
    }

    @Test
    void anEscapeMeansRefuse() {
        assertThat(SymlinkCanary.verdict(exited(SymlinkCanary.ESCAPED_THROUGH_PATH))).hasValueSatisfying(reason ->
                assertThat(reason).startsWith("refusing to serve: symlink canary failed: a guest escaped").contains("openat2").doesNotContain("\n"));
        assertThat(SymlinkCanary.verdict(exited(SymlinkCanary.ESCAPED_THROUGH_DIRECTORY))).hasValueSatisfying(reason ->
                assertThat(reason).contains("trailing slash"));
    }

    @Test
    void aCanaryThatCouldNotTryOrCrashedMeansRefuse() {
        assertThat(SymlinkCanary.verdict(exited(SymlinkCanary.SETUP_FAILED))).hasValueSatisfying(reason ->
                assertThat(reason).contains("unverified"));
        AttemptResult trapped = new AttemptResult("symlink-canary", null, "UNREACHABLE_CODE_REACHED", "task_error",
                "trap: unreachable executed", "", false, "", false, 1, null, null, false);
        assertThat(SymlinkCanary.verdict(trapped)).hasValueSatisfying(reason ->
                assertThat(reason).contains("trap: unreachable executed"));
    }

    @Test
    void theCanaryIsConfinedOnThisMachine() throws Exception {
        Path dir = NativeLibrary.extract(CACHE);
        try {
            NativeLibrary.requireOnLibraryPath(dir);
        } catch (IllegalStateException e) {
            Prerequisites.missing("wasmtime not loaded in-process: " + e.getMessage()
                    + " (run the tests through Maven, whose surefire argLine puts target/capsule-cache/native on java.library.path)");
        }
        try (WasmSandbox sandbox = WasmSandbox.create(CACHE)) {
            assertThat(SymlinkCanary.check(sandbox, temp)).isEmpty();
        }
        assertThat(temp).isEmptyDirectory();
    }
}
