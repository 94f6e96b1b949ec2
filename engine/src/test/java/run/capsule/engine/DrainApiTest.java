package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.DrainOutcome;
import run.capsule.store.JournalConfig;
import run.capsule.store.NodeStatus;
import run.capsule.store.TaskStatus;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 16, item 3, in Java: {@link CapsuleClient#drain} from another client reaches a node through the journal; its
 * workers stop claiming and hand back what outlasts the drain timeout, then {@link Capsule#onDrained} listeners run
 * (capsule serve closes the node there).
 */
class DrainApiTest {
    @TempDir
    Path dir;

    @Test
    void aDrainRequestStopsTheNodesWorkersAndRunsItsListeners() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        CountDownLatch drained = new CountDownLatch(1);
        try (Capsule node = Capsule.open(CapsuleOptions.builder().journal(journal).nodeId("node-d").runners(1)
                .heartbeatInterval(Duration.ofMillis(200)).build());
             CapsuleClient operator = Capsule.openClient(CapsuleOptions.builder().journal(journal).nodeId("operator").build())) {
            Worker worker = node.startWorker(WorkerOptions.DEFAULT.withDrainTimeout(Duration.ofSeconds(1)));
            node.onDrained(drained::countDown);
            String slow = operator.submit(TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("sleep", "30")).build(),
                    SubmitOptions.NOW).taskId();
            await().atMost(Duration.ofSeconds(60)).until(() -> operator.task(slow).orElseThrow().status() == TaskStatus.RUNNING);

            assertThat(operator.drain("node-d")).isEqualTo(DrainOutcome.REQUESTED);
            assertThat(drained.await(30, TimeUnit.SECONDS)).isTrue();

            assertThat(worker.isClosed()).isTrue();
            assertThat(operator.node("node-d").orElseThrow().status()).isEqualTo(NodeStatus.DRAINING);
            // it outlasted the 1 s drain timeout: handed back, not failed, and no longer running here
            assertThat(operator.task(slow).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
            assertThat(operator.attempts(slow)).singleElement().satisfies(a -> assertThat(a.errorMessage()).contains("stopping"));
            assertThat(node.activeAttempts()).isEmpty();
            String later = operator.submit(TaskSpec.builder(TestModules.sample("hello/hello.wasm")).build(), SubmitOptions.NOW).taskId();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> operator.task(later).orElseThrow().status() == TaskStatus.PENDING);

            node.close();
            assertThat(operator.node("node-d").orElseThrow().status()).isEqualTo(NodeStatus.STOPPED);
            assertThat(operator.drain("node-d")).isEqualTo(DrainOutcome.NOT_RUNNING);
        }
    }
}
