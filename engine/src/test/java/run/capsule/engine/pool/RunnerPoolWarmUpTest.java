package run.capsule.engine.pool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Warming up takes only free slots. Before, {@code warmUp(size)} waited for a slot a task held while it waited for its
 * children, holding every other slot meanwhile, so the children never got a runner (found under {@code capsule serve}).
 */
class RunnerPoolWarmUpTest {
    @Test
    void warmingUpWhileARunnerIsHeldStartsWhatIsFreeAndReturns(@TempDir Path cache) throws Exception {
        try (RunnerPool pool = new RunnerPool(RunnerLauncher.forThisJvm(cache), 2, Duration.ofSeconds(60))) {
            RunnerProcess held = pool.acquire();
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> pool.warmUp(2));
            assertThat(pool.freeSlots()).as("the warm runner went back; the held one is still held").isEqualTo(1);
            assertThat(pool.pids()).hasSize(2);
            pool.release(held);
            assertThat(pool.freeSlots()).isEqualTo(2);
        }
    }
}
