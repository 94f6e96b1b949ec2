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
import run.capsule.engine.execution.CrashedModules;
import run.capsule.engine.spec.TaskListener;
import run.capsule.engine.spec.TaskSpec;

/**
 * A module whose compile kills its runner is remembered: the first death is a runner crash (it may have been
 * an outside kill), the second fails as invalid input, and later attempts fail at once without starting a runner. The crash is simulated with the
 * runner's test hook {@code capsule.runner.haltWhileCompiling}.
 */
class CompilerCrashTest {
    @Test
    void aModuleThatKillsTheCompilerIsNotCompiledAgain() throws Exception {
        Path module = TestModules.wasm("exit3.wasm");
        String sha = ModuleStore.sha256(Files.readAllBytes(module));
        RunnerLauncher launcher = new RunnerLauncher(NativeLibrary.defaultCacheDir(), System.getProperty("java.class.path"),
                List.of("-Xmx128m", "-Dcapsule.runner.haltWhileCompiling=" + sha));
        try (RunnerPool pool = new RunnerPool(launcher, 1, Duration.ofSeconds(30))) {
            AttemptRunner attempts = new AttemptRunner(pool, Duration.ofSeconds(30), NativeLibrary.defaultCacheDir());
            TaskSpec spec = TaskSpec.builder(module).build();

            AttemptRunner.Ran once = attempts.run("t0", 1, spec, sha, module, TaskListener.NONE);
            assertThat(once.outcome().errorType()).isEqualTo("runner_crashed");
            assertThat(once.outcome().errorMessage()).startsWith("runner died while compiling the module: runner process");

            AttemptRunner.Ran first = attempts.run("t1", 1, spec, sha, module, TaskListener.NONE);
            assertThat(first.outcome().errorType()).isEqualTo("invalid_input");
            assertThat(first.outcome().errorMessage()).startsWith("module crashed the compiler (runner process");

            long started = System.nanoTime();
            AttemptRunner.Ran second = attempts.run("t2", 1, spec, sha, module, TaskListener.NONE);
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1_000);
            assertThat(second.outcome().errorType()).isEqualTo("invalid_input");
            assertThat(second.outcome().errorMessage()).startsWith("module crashed the compiler");
            assertThat(pool.pids()).isEmpty();

            Path other = TestModules.sample("wat/answer.wasm");
            AttemptRunner.Ran unaffected = attempts.run("t3", 1, TaskSpec.builder(other).build(),
                    ModuleStore.sha256(Files.readAllBytes(other)), other, TaskListener.NONE);
            assertThat(unaffected.outcome().errorType()).isNull();
            assertThat(unaffected.stdout()).isEqualTo("42\n");
        }
    }

    /**
     * The chaos harness's runner kills (bench ChaosCluster, seed 42): a runner killed from outside while it compiled the
     * Python interpreter made the journaled record fail on its foreign key (the interpreter is no journaled module), the
     * attempt failed in the engine and stayed RUNNING; had it been recorded, two such kills would refuse every Python task.
     */
    @Test
    void aRunnerKilledWhileCompilingAnInterpreterRefusesNothing(@org.junit.jupiter.api.io.TempDir Path dir) {
        String interpreter = run.capsule.runner.guest.Interpreter.forLanguage("python").moduleSha256();
        try (run.capsule.store.Journal journal = run.capsule.store.Journal.open(run.capsule.store.JournalConfig.embedded(dir))) {
            CrashedModules crashed = CrashedModules.journaled(journal.modules());
            for (int i = 0; i < 3; i++) {
                assertThat(crashed.crashed(interpreter, "runner process killed")).isFalse();
            }
            assertThat(crashed.refused(interpreter)).isFalse();
            assertThat(journal.modules().compilerCrashes(interpreter)).isZero();
        }
    }

    @Test
    void theCrashIsRememberedInTheJournalForEveryNodeAndRestart(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path module = TestModules.wasm("trap.wasm");
        byte[] bytes = Files.readAllBytes(module);
        String sha = ModuleStore.sha256(bytes);
        try (run.capsule.store.Journal journal = run.capsule.store.Journal.open(run.capsule.store.JournalConfig.embedded(dir))) {
            journal.modules().put(bytes);
            RunnerLauncher crashing = new RunnerLauncher(NativeLibrary.defaultCacheDir(), System.getProperty("java.class.path"),
                    List.of("-Xmx128m", "-Dcapsule.runner.haltWhileCompiling=" + sha));
            try (RunnerPool pool = new RunnerPool(crashing, 1, Duration.ofSeconds(30))) {
                AttemptRunner.Ran first = new AttemptRunner(pool, Duration.ofSeconds(30), CrashedModules.journaled(journal.modules()), NativeLibrary.defaultCacheDir())
                        .run("t1", 1, TaskSpec.builder(module).build(), sha, module, TaskListener.NONE);
                assertThat(first.outcome().errorType()).isEqualTo("runner_crashed");
                assertThat(journal.modules().compilerCrashes(sha)).isEqualTo(1);
                AttemptRunner.Ran second = new AttemptRunner(pool, Duration.ofSeconds(30), CrashedModules.journaled(journal.modules()), NativeLibrary.defaultCacheDir())
                        .run("t1", 2, TaskSpec.builder(module).build(), sha, module, TaskListener.NONE);
                assertThat(second.outcome().errorMessage()).startsWith("module crashed the compiler (runner process");
            }
            assertThat(journal.modules().compilerCrashes(sha)).isEqualTo(2);

            RunnerLauncher healthy = RunnerLauncher.forThisJvm(NativeLibrary.defaultCacheDir());
            try (RunnerPool pool = new RunnerPool(healthy, 1, Duration.ofSeconds(30))) {
                AttemptRunner.Ran again = new AttemptRunner(pool, Duration.ofSeconds(30), CrashedModules.journaled(journal.modules()), NativeLibrary.defaultCacheDir())
                        .run("t2", 1, TaskSpec.builder(module).build(), sha, module, TaskListener.NONE);
                assertThat(again.outcome().errorType()).isEqualTo("invalid_input");
                assertThat(again.outcome().errorMessage()).startsWith("module crashed the compiler: a runner died compiling it earlier");
                assertThat(pool.pids()).isEmpty();
            }
        }
    }
}
