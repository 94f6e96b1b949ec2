package run.capsule.engine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.AttemptRow;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.spec.EnvGrant;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/**
 * Attempts to leave the granted files and environment, through the whole engine and real runners. A refused
 * file operation reaches the guest as an errno; the probe prints {@code error: <strerror>} to stderr and exits
 * 1, so the task fails as {@code task_error} with the guest's message in the journaled error message.
 */
class GrantEscapeTest {
    @TempDir
    static Path dir;
    static Capsule capsule;
    static Path outside;
    static Path ro;
    static Path rw;

    @BeforeAll
    static void open() throws Exception {
        capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(2).build());
        outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "host secret");
        ro = Files.createDirectories(dir.resolve("grants/ro"));
        Files.writeString(ro.resolve("in.txt"), "read-only content");
        rw = Files.createDirectories(dir.resolve("grants/rw"));
        Files.createSymbolicLink(ro.resolve("to-secret"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(ro.resolve("to-outside"), Path.of("../../outside"));
    }

    @AfterAll
    static void close() {
        capsule.close();
    }

    private static TaskResult probe(String... args) throws Exception {
        return capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of(args))
                .mount(MountSpec.parse(ro + "::/ro:ro", dir))
                .mount(MountSpec.parse(rw + "::/rw", dir))
                .build());
    }

    /** The task failed because the guest was refused, and the journal says so with the guest's own words. */
    private static void assertRefused(TaskResult result, String guestError) {
        assertThat(result.success()).as("task should fail").isFalse();
        assertThat(result.error().errorType()).isEqualTo("task_error");
        String expected = "exited with code 1 (stderr: error: " + guestError + ")";
        assertThat(result.error().message()).isEqualTo(expected);
        String id = result.execution().taskId();
        TaskRow task = capsule.task(id).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(task.errorType()).isEqualTo("task_error");
        assertThat(task.errorMessage()).isEqualTo(expected);
        assertThat(capsule.attempts(id)).extracting(AttemptRow::exitCode).containsOnly(1);
    }

    @Test
    void dotDotTraversalOutOfAGrantIsRefused() throws Exception {
        assertRefused(probe("cat", "/ro/../../outside/secret.txt"), "Operation not permitted");
        assertRefused(probe("cat", "/rw/../ro/in.txt"), "Operation not permitted");
    }

    @Test
    void absolutePathsOutsideTheGrantsAreRefused() throws Exception {
        // wasi-libc finds no preopen for the path, so the guest gets ENOTCAPABLE
        assertRefused(probe("cat", outside.resolve("secret.txt").toString()), "Capabilities insufficient");
        assertRefused(probe("cat", "/etc/passwd"), "Capabilities insufficient");
    }

    @Test
    void hostSymlinksPointingOutOfAGrantAreNotFollowed() throws Exception {
        assertRefused(probe("cat", "/ro/to-secret"), "Operation not permitted");
        assertRefused(probe("cat", "/ro/to-outside/secret.txt"), "Operation not permitted");
        assertRefused(probe("cat", "/ro/to-outside/"), "Operation not permitted");
    }

    @Test
    void writingIntoAReadOnlyGrantIsRefusedAndTheFileUnchanged() throws Exception {
        assertRefused(probe("write", "/ro/in.txt", "overwritten"), "Operation not permitted");
        assertRefused(probe("write", "/ro/new.txt", "created"), "Operation not permitted");
        assertThat(Files.readString(ro.resolve("in.txt"))).isEqualTo("read-only content");
        assertThat(ro.resolve("new.txt")).doesNotExist();
    }

    @Test
    void truncatingInAReadOnlyGrantIsRefused() throws Exception {
        // wasmtime 7 answers O_TRUNC without write rights with EINVAL
        assertRefused(probe("truncate", "/ro/in.txt"), "Invalid argument");
        assertThat(Files.readString(ro.resolve("in.txt"))).isEqualTo("read-only content");
    }

    @Test
    void grantedAccessWorks() throws Exception {
        TaskResult read = probe("cat", "/ro/in.txt");
        TaskResult write = probe("write", "/rw/out.txt", "written by the guest");
        TaskResult readBack = probe("cat", "/rw/out.txt");
        TaskResult truncate = probe("truncate", "/rw/out.txt");

        assertThat(read.success()).as(String.valueOf(read.error())).isTrue();
        assertThat(read.result().asText()).isEqualTo("read-only content");
        assertThat(write.success()).as(String.valueOf(write.error())).isTrue();
        assertThat(readBack.result().asText()).isEqualTo("written by the guest");
        assertThat(truncate.success()).as(String.valueOf(truncate.error())).isTrue();
        assertThat(Files.size(rw.resolve("out.txt"))).isZero();
    }

    @Test
    void anEnvironmentVariableNotGrantedIsAbsent() throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(TestModules.wasm("probe.wasm")).arg("env")
                .env(EnvGrant.parse("GRANTED", Map.of("GRANTED", "yes", "NOT_GRANTED", "secret")))
                .build());
        assertThat(result.success()).isTrue();
        assertThat(result.result().toString()).isEqualTo("[\"GRANTED=yes\"]").doesNotContain("secret");
    }
}
