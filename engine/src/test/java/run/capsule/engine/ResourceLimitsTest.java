package run.capsule.engine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.store.AttemptRow;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.spec.Compute;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/**
 * Adversarial guests through the whole engine (real runner processes, a real H2 journal): each limit ends
 * the attempt with its own error type, and the engine keeps serving afterwards.
 */
class ResourceLimitsTest {
    @RegisterExtension
    static final EngineNode node = EngineNode.withRunners(2);

    @AfterEach
    void engineStillServes() throws Exception {
        TaskResult hello = node.capsule().run(TaskSpec.builder(TestModules.sample("hello/hello.wasm")).arg("again").build());
        assertThat(hello.success()).as(String.valueOf(hello.error())).isTrue();
        assertThat(hello.result().asText()).isEqualTo("Hello, again!");
    }

    private static TaskResult run(String module, Limits limits, String... args) throws InterruptedException {
        return node.capsule().run(TaskSpec.builder(TestModules.wasm(module)).args(List.of(args)).limits(limits).build());
    }

    private static Limits.Builder limits() {
        return Limits.builder();
    }

    @Test
    void anEndlessLoopUnderLowComputeRunsOutOfFuel() throws Exception {
        TaskResult result = run("loop.wasm", limits().compute(Compute.parse("low")).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("fuel_exhausted");
        assertThat(result.execution().fuelConsumed()).isEqualTo(100_000_000L);
        AttemptRow attempt = node.capsule().attempts(result.execution().taskId()).get(0);
        assertThat(attempt.errorType()).isEqualTo("fuel_exhausted");
        assertThat(attempt.fuelConsumed()).isEqualTo(100_000_000L);
    }

    @Test
    void aSpinningGuestWithHighComputeStopsAtItsTimeout() throws Exception {
        long started = System.nanoTime();
        TaskResult result = run("loop.wasm", limits().compute(Compute.HIGH).timeout(Duration.ofSeconds(1)).build());
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("timeout");
        assertThat(result.error().message()).contains("timed out after 1000 ms");
        assertThat(elapsedMs).isLessThan(4_000);
        assertThat(result.execution().fuelConsumed()).isPositive();
    }

    @Test
    void aSleepLongerThanTheTimeoutEndsAtTheTimeout() throws Exception {
        long started = System.nanoTime();
        TaskResult result = run("probe.wasm", limits().timeout(Duration.ofSeconds(1)).build(), "sleep", "30");
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("timeout");
        assertThat(elapsedMs).isLessThan(4_000);
    }

    @Test
    void aShortSleepStillWorks() throws Exception {
        long started = System.nanoTime();
        TaskResult result = run("probe.wasm", limits().timeout(Duration.ofSeconds(10)).build(), "nanosleep", "300");
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().asText()).isEqualTo("slept");
        assertThat(elapsedMs).isGreaterThanOrEqualTo(300);
    }

    @Test
    void aPollOnAFileIsForwardedToWasiAndAnswersAtOnce() throws Exception {
        long started = System.nanoTime();
        TaskResult result = run("probe.wasm", limits().timeout(Duration.ofSeconds(10)).build(), "poll");
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().asText()).isEqualTo("1 1");
        assertThat(elapsedMs).isLessThan(4_000);
    }

    @Test
    void mallocUntilItFailsIsAMemoryLimit() throws Exception {
        TaskResult result = run("probe.wasm", limits().ramBytes(16L * 1024 * 1024).build(), "alloc", "1");

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("memory_limit");
        assertThat(result.error().message()).contains("exited with code 1").contains("256 pages");
        assertThat(result.execution().ramUsed()).isLessThanOrEqualTo(16L * 1024 * 1024).isGreaterThan(8L * 1024 * 1024);
    }

    @Test
    void aTrapAfterARefusedGrowthIsAMemoryLimit() throws Exception {
        TaskResult result = run("grow_trap.wasm", limits().ramBytes(4L * 1024 * 1024).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("memory_limit");
        assertThat(result.error().message()).contains("unreachable");
        assertThat(result.execution().ramUsed()).isEqualTo(64L * 64 * 1024 - 15 * 64 * 1024);
    }

    @Test
    void growingWithinTheLimitSucceeds() throws Exception {
        TaskResult result = run("probe.wasm", limits().ramBytes(64L * 1024 * 1024).build(), "grow", "100");
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.execution().ramUsed()).isEqualTo(result.result().asLong());
    }

    @Test
    void aModuleDeclaringMoreInitialMemoryThanTheLimitIsInvalidInput() throws Exception {
        TaskResult result = run("huge_memory.wasm", limits().build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains("initial size of 20000 pages").contains("4096 pages");
        assertThat(result.execution().retries()).isZero();
    }

    @Test
    void endlessRecursionIsACleanStackOverflow() throws Exception {
        TaskResult first = run("recurse.wasm", limits().build());
        TaskResult second = run("recurse.wasm", limits().build());

        for (TaskResult result : List.of(first, second)) {
            assertThat(result.success()).isFalse();
            assertThat(result.error().errorType()).isEqualTo("task_error");
            assertThat(result.error().message()).contains("stack");
        }
    }

    @Test
    void aStdoutFloodIsStopped() throws Exception {
        TaskResult result = run("probe.wasm", limits().outputBytes(1000).build(), "spam", "2000000000");
        assertThat(result.success()).isFalse();
        assertThat(result.error().message()).contains("output exceeded");
    }

    @Test
    void fuelConsumedIsDeterministic() throws Exception {
        TaskResult first = run("probe.wasm", limits().build(), "burn", "1000000");
        TaskResult second = run("probe.wasm", limits().build(), "burn", "1000000");

        assertThat(first.success()).isTrue();
        assertThat(first.result()).isEqualTo(second.result());
        assertThat(first.execution().fuelConsumed()).isPositive().isEqualTo(second.execution().fuelConsumed());
    }

    @Test
    void aCustomBudgetJustBelowWhatTheGuestNeedsRunsOut() throws Exception {
        TaskResult measured = run("probe.wasm", limits().build(), "burn", "1000");
        long needed = measured.execution().fuelConsumed();

        TaskResult enough = run("probe.wasm", limits().compute(Compute.parse(String.valueOf(needed))).build(), "burn", "1000");
        TaskResult short1 = run("probe.wasm", limits().compute(Compute.parse(String.valueOf(needed - 1))).build(), "burn", "1000");

        assertThat(enough.success()).as(String.valueOf(enough.error())).isTrue();
        assertThat(enough.execution().fuelConsumed()).isEqualTo(needed);
        assertThat(short1.error().errorType()).isEqualTo("fuel_exhausted");
        assertThat(short1.execution().fuelConsumed()).isEqualTo(needed - 1);
    }

    @Test
    void theJournalListsNothingAsNotEnforced() throws Exception {
        TaskResult result = run("exit3.wasm", limits().build());
        assertThat(node.capsule().task(result.execution().taskId()).orElseThrow().configJson())
                .contains("\"not_enforced\":[]");
    }
}
