package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.pool.RunnerLauncher;
import run.capsule.protocol.FrameCodec;
import run.capsule.protocol.Hello;
import run.capsule.runner.NativeLibrary;
import run.capsule.store.AttemptStatus;
import run.capsule.store.TaskStatus;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/** Runners are separate processes: their death is noticed at once and costs only the attempt they held. */
class RunnerCrashTest {
    @TempDir
    Path dir;

    @Test
    void aKilledRunnerFailsItsAttemptAndIsReplaced() throws Exception {
        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(1).build())) {
            CompletableFuture<TaskResult> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return capsule.run(TaskSpec.builder(TestModules.wasm("loop.wasm"))
                            .limits(Limits.builder().timeout(Duration.ofMinutes(5)).build()).build());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> !capsule.runnerPids().isEmpty()
                    && capsule.recentTasks(1).stream().anyMatch(t -> t.status() == TaskStatus.RUNNING));
            long victim = capsule.runnerPids().get(0);
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();

            TaskResult crashed = running.get(30, TimeUnit.SECONDS);
            assertThat(crashed.success()).isFalse();
            assertThat(crashed.error().errorType()).isEqualTo("runner_crashed");
            assertThat(crashed.error().message()).contains("runner process " + victim);
            assertThat(capsule.attempts(crashed.execution().taskId())).singleElement().satisfies(a -> {
                assertThat(a.status()).isEqualTo(AttemptStatus.FAILED);
                assertThat(a.errorType()).isEqualTo("runner_crashed");
            });

            TaskResult next = capsule.run(TaskSpec.builder(TestModules.sample("hello/hello.wasm")).build());
            assertThat(next.success()).isTrue();
            assertThat(capsule.runnerPids()).singleElement().isNotEqualTo(victim);
        }
    }

    @Test
    void aRunnerExitsWhenTheEnginesEndOfThePipeCloses() throws Exception {
        RunnerLauncher launcher = RunnerLauncher.forThisJvm(NativeLibrary.defaultCacheDir());
        Process runner = launcher.start();
        try {
            assertThat(FrameCodec.read(runner.getInputStream())).isInstanceOf(Hello.class);
            runner.getOutputStream().close();
            assertThat(runner.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(runner.exitValue()).isZero();
        } finally {
            runner.destroyForcibly();
        }
    }

    @Test
    void logbackWarningsNeverReachTheProtocolStream() throws Exception {
        String runnerCode = Path.of(run.capsule.runner.RunnerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String duplicated = runnerCode + File.pathSeparator + System.getProperty("java.class.path");
        RunnerLauncher launcher = new RunnerLauncher(NativeLibrary.defaultCacheDir(), duplicated, List.of("-Xmx128m"));
        run.capsule.engine.pool.RunnerProcess runner = run.capsule.engine.pool.RunnerProcess.start(launcher, Duration.ofSeconds(30));
        try {
            var result = runner.execute(new run.capsule.protocol.RunAttempt("dup#1", "x", TestModules.sample("wat/answer.wasm").toString(),
                    "answer", List.of(), java.util.Map.of(), List.of(), 5000, 1024, false), text -> { }, Duration.ofSeconds(30));
            assertThat(result.succeeded()).isTrue();
            assertThat(result.stdout()).isEqualTo("42\n");
        } finally {
            runner.shutdown();
        }
    }

    @Test
    void runnersDieWithAKilledEngineProcess() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process engine = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "run.capsule.engine.cli.CapsuleCli", "--db", "jdbc:h2:file:" + dir.resolve("journal") + ";DATABASE_TO_LOWER=TRUE",
                "run", "--timeout", "5m", TestModules.wasm("loop.wasm").toString())
                .redirectErrorStream(true).redirectOutput(new File(dir.resolve("engine.log").toString())).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> engine.descendants().findAny().isPresent());
            List<ProcessHandle> runners = engine.descendants().toList();
            engine.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(15)).until(() -> runners.stream().noneMatch(ProcessHandle::isAlive));
        } finally {
            engine.descendants().forEach(ProcessHandle::destroyForcibly);
            engine.destroyForcibly();
        }
    }
}
