package run.capsule.engine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.AttemptRow;
import run.capsule.store.AttemptStatus;
import run.capsule.store.EventRow;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.spec.EnvGrant;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/** The whole engine on a real H2 file and real runner processes. */
class CapsuleRunTest {
    @TempDir
    static Path dir;
    static Capsule capsule;

    @BeforeAll
    static void open() {
        capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(2).build());
    }

    @AfterAll
    static void close() {
        capsule.close();
    }

    @Test
    void helloSucceedsAndIsJournaled() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.sample("hello/hello.wasm")).arg("Ada").build());

        assertThat(result.success()).isTrue();
        assertThat(result.error()).isNull();
        assertThat(result.result().asText()).isEqualTo("Hello, Ada!");
        assertThat(result.execution().taskName()).isEqualTo("hello");
        assertThat(result.execution().retries()).isZero();
        assertThat(result.execution().ramUsed()).isPositive();
        String id = result.execution().taskId();
        TaskRow task = capsule.task(id).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(task.resultJson()).isEqualTo("\"Hello, Ada!\"");
        assertThat(task.configJson()).contains("\"args\":[\"Ada\"]");
        List<AttemptRow> attempts = capsule.attempts(id);
        assertThat(attempts).singleElement().satisfies(a -> {
            assertThat(a.status()).isEqualTo(AttemptStatus.SUCCEEDED);
            assertThat(a.exitCode()).isZero();
            assertThat(a.ramUsed()).isEqualTo(result.execution().ramUsed());
            assertThat(a.finishedAt()).isNotNull();
            assertThat(a.nodeId()).isEqualTo(capsule.options().nodeId());
        });
        assertThat(capsule.events(id)).extracting(EventRow::toStatus)
                .containsExactly(TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.SUCCEEDED);
    }

    @Test
    void jsonStdoutBecomesAJsonResult() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.sample("wat/answer.wasm")).build());
        assertThat(result.success()).isTrue();
        assertThat(result.result().isNumber()).isTrue();
        assertThat(result.result().asInt()).isEqualTo(42);
    }

    @Test
    void argumentsReachTheGuestVerbatim() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm"))
                .args(List.of("args", "two words", "--flag", "ünïcode")).build());
        assertThat(result.success()).isTrue();
        assertThat(result.result().toString()).isEqualTo("[\"two words\",\"--flag\",\"ünïcode\"]");
    }

    @Test
    void guestSeesOnlyTheNamedEnvironment() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm")).arg("env")
                .env(EnvGrant.parse("GREETING=hi there", Map.of()))
                .env(EnvGrant.parse("FROM_HOST", Map.of("FROM_HOST", "yes", "SECRET", "no")))
                .build());
        assertThat(result.success()).isTrue();
        assertThat(result.result().toString()).isEqualTo("[\"GREETING=hi there\",\"FROM_HOST=yes\"]");
        assertThat(capsule.task(result.execution().taskId()).orElseThrow().configJson())
                .contains("\"env\":[\"GREETING\",\"FROM_HOST\"]")
                .doesNotContain("hi there");
    }

    @Test
    void nonZeroExitIsATaskErrorAndIsRetried() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.wasm("exit3.wasm"))
                .retryPolicy(RetryPolicy.retries(2).withBackoff(Duration.ofMillis(10), 2.0, Duration.ofSeconds(1)))
                .build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("task_error");
        assertThat(result.error().message()).contains("exited with code 3");
        assertThat(result.execution().retries()).isEqualTo(2);
        String id = result.execution().taskId();
        assertThat(capsule.attempts(id)).extracting(AttemptRow::attemptNo, AttemptRow::status, AttemptRow::exitCode)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, AttemptStatus.FAILED, 3),
                        org.assertj.core.groups.Tuple.tuple(2, AttemptStatus.FAILED, 3),
                        org.assertj.core.groups.Tuple.tuple(3, AttemptStatus.FAILED, 3));
        assertThat(capsule.events(id)).extracting(EventRow::toStatus).containsExactly(
                TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.RETRY_WAIT, TaskStatus.RUNNING,
                TaskStatus.RETRY_WAIT, TaskStatus.RUNNING, TaskStatus.FAILED);
        TaskRow task = capsule.task(id).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(task.errorType()).isEqualTo("task_error");
    }

    @Test
    void trapsAreClassified() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.wasm("trap.wasm")).build());
        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("task_error");
        assertThat(result.error().message()).isEqualTo("trap: unreachable executed");
    }

    @Test
    void aSpinningGuestIsStoppedAtItsTimeout() throws Exception {
        long started = System.nanoTime();
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.wasm("loop.wasm"))
                .limits(Limits.builder().timeout(Duration.ofMillis(500)).build()).build());
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("timeout");
        assertThat(elapsedMs).isLessThan(20_000);
        assertThat(capsule.attempts(result.execution().taskId())).singleElement()
                .satisfies(a -> assertThat(a.errorType()).isEqualTo("timeout"));
    }

    @Test
    void moduleThatFailsValidationIsInvalidInput() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.wasm("bad_body.wasm")).build());
        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains("bad_body").contains("not a valid module");
        assertThat(result.execution().retries()).isZero();
    }

    @Test
    void stdoutIsCappedAndTheRestDropped() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("spam", "300000"))
                .limits(Limits.builder().outputBytes(1000).build()).build());
        assertThat(result.success()).isTrue();
        assertThat(result.result().asText()).hasSize(1000).matches("x+");
    }

    @Test
    void aGuestFloodingItsOutputIsStopped() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("spam", "2000000000"))
                .limits(Limits.builder().outputBytes(1000).timeout(Duration.ofSeconds(60)).build()).build());
        assertThat(result.success()).isFalse();
        assertThat(result.error().message()).contains("output exceeded");
    }

    @Test
    void readOnlyMountsAreReadableButNotWritable() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data-ro"));
        Files.writeString(data.resolve("in.txt"), "from the host");
        MountSpec mount = MountSpec.parse(data + "::/data:ro", dir);

        TaskResult read = capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("cat", "/data/in.txt"))
                .mount(mount).build());
        TaskResult write = capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("write", "/data/in.txt", "overwritten"))
                .mount(mount).build());
        TaskResult outside = capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("cat", "/data/../../etc/passwd"))
                .mount(mount).build());

        assertThat(read.success()).as(String.valueOf(read.error())).isTrue();
        assertThat(read.result().asText()).isEqualTo("from the host");
        assertThat(write.success()).isFalse();
        assertThat(Files.readString(data.resolve("in.txt"))).isEqualTo("from the host");
        assertThat(outside.success()).isFalse();
    }

    @Test
    void readWriteMountsAcceptWrites() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data-rw"));
        TaskResult write = capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("write", "/out/result.txt", "written by guest"))
                .mount(MountSpec.parse(data + "::/out", dir)).build());
        assertThat(write.success()).isTrue();
        assertThat(Files.readString(data.resolve("result.txt"))).isEqualTo("written by guest");
    }

    @Test
    void guestWithoutGrantsSeesNoFiles() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("cat", "/etc/passwd")).build());
        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("task_error");
    }
}
