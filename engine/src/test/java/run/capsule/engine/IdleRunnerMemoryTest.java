package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.spec.TaskSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 15's memory goal for runners: an idle runner at most 120 MiB RSS. Before the runner collected when idle
 * (IdleHeapTrim), a runner after 300 hello tasks kept its grown heap and stayed at 138-145 MiB; now one full collection
 * a couple of seconds after its last attempt brings it to about 100 MiB. Its next attempt still runs.
 */
class IdleRunnerMemoryTest {
    private static final long MAX_IDLE_RUNNER_MIB = 120;

    @TempDir
    Path dir;

    @Test
    void anIdleRunnerGivesItsGrownHeapBack() throws Exception {
        TaskSpec hello = TaskSpec.builder(TestModules.sample("hello/hello.wasm")).arg("memory").build();
        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(1).build())) {
            for (int i = 0; i < 300; i++) {
                assertThat(capsule.run(hello).success()).isTrue();
            }
            long pid = capsule.runnerPids().get(0);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(rssMiB(pid)).as("idle runner RSS, MiB").isLessThanOrEqualTo(MAX_IDLE_RUNNER_MIB));
            assertThat(capsule.run(hello).success()).isTrue();
            assertThat(capsule.runnerPids()).containsExactly(pid);
        }
    }

    private static long rssMiB(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024).findFirst().orElseThrow();
    }
}
