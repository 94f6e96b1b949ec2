package run.capsule.engine.pool;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The slot accounting of parked tasks: a task that resumes at once may run over the pool's size, and repays it. */
class RunnerPoolSlotsTest {
    @Test
    void aTaskResumingAtOnceOverdrawsAndTheNextSlotBackRepays() {
        RunnerPool pool = new RunnerPool(RunnerLauncher.forThisJvm(java.nio.file.Path.of("target", "pool-test-cache")), 1, Duration.ofSeconds(1));
        pool.unparkNow();
        assertThat(pool.freeSlots()).as("the one slot taken").isZero();

        pool.unparkNow();
        assertThat(pool.freeSlots()).as("a second task resumed at once: one over the size").isEqualTo(-1);

        pool.park();
        assertThat(pool.freeSlots()).as("the first slot back repays the overdraw").isZero();
        pool.park();
        assertThat(pool.freeSlots()).isEqualTo(1);

        pool.park();
        pool.unpark();
        assertThat(pool.freeSlots()).isEqualTo(1);
    }
}
