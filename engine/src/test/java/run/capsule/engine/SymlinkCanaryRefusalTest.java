package run.capsule.engine;

import org.junit.jupiter.api.Test;
import run.capsule.engine.pool.RunnerLauncher;
import run.capsule.engine.pool.RunnerPool;
import run.capsule.runner.NativeLibrary;
import run.capsule.store.ModuleStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.execution.AttemptRunner;
import run.capsule.engine.spec.TaskListener;
import run.capsule.engine.spec.TaskSpec;

/**
 * A runner whose start-up symlink canary escapes refuses to serve, and the engine reports why. The escape is
 * simulated with the runner's test hook {@code capsule.runner.pretendSymlinkEscape}; the real canary passes here.
 */
class SymlinkCanaryRefusalTest {
    @Test
    void aRunnerWhoseCanaryEscapedIsNeverUsed() throws Exception {
        Path module = TestModules.sample("wat/answer.wasm");
        RunnerLauncher launcher = new RunnerLauncher(NativeLibrary.defaultCacheDir(), System.getProperty("java.class.path"),
                List.of("-Xmx128m", "-Dcapsule.runner.pretendSymlinkEscape=true"));
        try (RunnerPool pool = new RunnerPool(launcher, 1, Duration.ofSeconds(30))) {
            AttemptRunner attempts = new AttemptRunner(pool, Duration.ofSeconds(30), NativeLibrary.defaultCacheDir());
            AttemptRunner.Ran ran = attempts.run("t1", 1, TaskSpec.builder(module).build(),
                    ModuleStore.sha256(Files.readAllBytes(module)), module, TaskListener.NONE);

            assertThat(ran.outcome().errorType()).isEqualTo("internal_error");
            assertThat(ran.outcome().errorMessage())
                    .startsWith("no runner available: ")
                    .contains("exited with code 78")
                    .contains("refusing to serve: symlink canary failed: a guest escaped its directory grant through a symlink");
            assertThat(pool.pids()).isEmpty();
        }
    }
}
