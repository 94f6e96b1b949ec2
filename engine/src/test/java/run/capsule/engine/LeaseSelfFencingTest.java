package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.JournalConfig;
import run.capsule.store.TaskStatus;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 16, item 2: a node that could not renew its lease for a whole lease (here its heartbeat is blocked on a lock of
 * its `nodes` row; in life, a pause or a cut to the database) may have been declared lost, so its worker claims nothing
 * until a heartbeat has gone through. Before, a node resuming from a pause could claim again, even its own lost tasks,
 * before its heartbeat told it that it was lost.
 */
class LeaseSelfFencingTest {
    @TempDir
    Path dir;

    private static TaskSpec hello(String name) {
        return TaskSpec.builder(TestModules.sample("hello/hello.wasm")).arg(name).build();
    }

    @Test
    void aNodeWhoseHeartbeatCannotRenewItsLeaseStopsClaimingUntilItCan() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        try (Capsule node = Capsule.open(CapsuleOptions.builder().journal(journal).nodeId("blocked").runners(1)
                .heartbeatInterval(Duration.ofMillis(200)).lease(Duration.ofSeconds(1)).build());
             Worker worker = node.startWorker(WorkerOptions.DEFAULT.withPollInterval(Duration.ofMillis(100)))) {
            String first = node.submit(hello("before"), SubmitOptions.NOW).taskId();
            assertThat(node.await(first, Duration.ofSeconds(60))).hasValueSatisfying(r -> assertThat(r.success()).isTrue());

            String queued;
            try (Connection lock = DriverManager.getConnection(journal.jdbcUrl(), journal.user(), journal.password());
                 Statement s = lock.createStatement()) {
                lock.setAutoCommit(false);
                s.execute("SELECT * FROM nodes WHERE id = 'blocked' FOR UPDATE");
                Thread.sleep(1500);
                queued = node.submit(hello("after"), SubmitOptions.NOW).taskId();
                await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                        .until(() -> node.task(queued).orElseThrow().status() == TaskStatus.PENDING);
                lock.rollback();
            }
            assertThat(node.await(queued, Duration.ofSeconds(60))).hasValueSatisfying(r -> assertThat(r.success()).isTrue());
        }
    }
}
