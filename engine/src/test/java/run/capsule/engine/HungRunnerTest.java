package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.AttemptRow;
import run.capsule.store.AttemptStatus;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 16, item 2: a runner process that is alive but does not answer (here: SIGSTOPped) is detected and replaced.
 * Idle, it fails the ping it gets before its next attempt (before the fix the attempt waited out the two-minute setup
 * limit); busy, it is killed at the attempt's timeout plus the kill grace and the attempt is retried by its policy.
 */
class HungRunnerTest {
    @TempDir
    Path dir;

    private Capsule node() {
        return Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(1).killGrace(Duration.ofSeconds(1)).build());
    }

    private static void stop(long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor()).isZero();
    }

    private static TaskSpec hello() {
        return TaskSpec.builder(TestModules.sample("hello/hello.wasm")).arg("again").build();
    }

    @Test
    void anIdleRunnerThatDoesNotAnswerIsReplacedBeforeItGetsAnAttempt() throws Exception {
        try (Capsule capsule = node()) {
            assertThat(capsule.run(hello()).success()).isTrue();
            long hung = capsule.runnerPids().get(0);
            stop(hung);
            Thread.sleep(1200); // idle for longer than the pool trusts without a ping

            long started = System.nanoTime();
            TaskResult again = capsule.run(hello());
            assertThat(again.success()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
            assertThat(capsule.attempts(again.execution().taskId())).singleElement().satisfies(a -> assertThat(a.status()).isEqualTo(AttemptStatus.SUCCEEDED));
            assertThat(ProcessHandle.of(hung).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(capsule.runnerRestarts()).isEqualTo(1);
            assertThat(capsule.runnerPids()).doesNotContain(hung);
        }
    }

    @Test
    void aBusyRunnerThatStopsAnsweringIsKilledAtItsDeadlineAndTheAttemptRetried() throws Exception {
        try (Capsule capsule = node()) {
            capsule.warmUp(1);
            long hung = capsule.runnerPids().get(0);
            TaskSpec spec = TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("nanosleep", "1500"))
                    .limits(Limits.builder().timeout(Duration.ofSeconds(3)).build())
                    .retryPolicy(RetryPolicy.retries(1).withBackoff(Duration.ZERO, 1.0, Duration.ZERO)).build();
            CompletableFuture<TaskResult> result = CompletableFuture.supplyAsync(() -> {
                try {
                    return capsule.run(spec);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> capsule.recentTasks(1).size() == 1
                    && !capsule.attempts(capsule.recentTasks(1).get(0).id()).isEmpty());
            Thread.sleep(300);
            stop(hung);

            TaskResult done = result.get(60, TimeUnit.SECONDS);
            assertThat(done.success()).isTrue();
            List<AttemptRow> attempts = capsule.attempts(done.execution().taskId());
            assertThat(attempts).extracting(AttemptRow::status).containsExactly(AttemptStatus.FAILED, AttemptStatus.SUCCEEDED);
            assertThat(attempts.get(0).errorType()).isEqualTo("timeout");
            assertThat(attempts.get(0).errorMessage()).contains("runner killed");
            assertThat(ProcessHandle.of(hung).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(capsule.runnerPids()).doesNotContain(hung);
        }
    }
}
