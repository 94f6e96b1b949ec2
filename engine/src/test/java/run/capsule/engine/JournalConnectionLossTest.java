package run.capsule.engine;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.AttemptStatus;
import run.capsule.store.JournalConfig;
import run.capsule.store.TaskStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chaos harness's PostgreSQL restart (bench ChaosCluster, seed 42): a node's connection was cut while it wrote how an
 * attempt ended, the node logged "failed in the engine" and the task stayed RUNNING for good on a node that kept
 * heartbeating. Here the cut is made deterministic: the outcome write is held on a row lock and its backend is terminated
 * (SQL state 57P01, what a restart sends every session); the write must be retried and the task end as it ran.
 */
class JournalConnectionLossTest {
    @TempDir
    Path dir;

    @Test
    void anOutcomeWriteCutByTheDatabaseIsRetriedNotLost() throws Exception {
        Path source = dir.resolve("pause.py");
        Files.writeString(source, """
                import time
                from capsule import task

                @task(name="main", timeout="60s")
                def main():
                    time.sleep(2)
                    return "done"
                """);
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            String url = pg.getJdbcUrl("postgres", "postgres");
            JournalConfig journal = JournalConfig.of(url).withCredentials("postgres", "postgres").withPoolSize(4);
            try (Capsule node = Capsule.open(CapsuleOptions.builder().journal(journal).nodeId("cut-node").runners(1)
                    .heartbeatInterval(Duration.ofMillis(500)).lease(Duration.ofSeconds(5)).build());
                 Worker worker = node.startWorker(WorkerOptions.DEFAULT);
                 Connection locker = DriverManager.getConnection(url)) {
                String id = node.submit(TaskSpec.builder(source).build(), SubmitOptions.NOW).taskId();
                await().atMost(Duration.ofSeconds(60)).until(() -> node.task(id).orElseThrow().status() == TaskStatus.RUNNING);
                locker.setAutoCommit(false);
                // not FOR UPDATE: that would also hold off the attempt's step inserts (their foreign key takes KEY SHARE)
                try (PreparedStatement lock = locker.prepareStatement("select id from tasks where id = ? for no key update")) {
                    lock.setString(1, id);
                    lock.executeQuery().close();
                }
                // the first Python attempt of a JVM compiles the interpreter first: up to a minute on a loaded machine
                int cut = await().atMost(Duration.ofSeconds(120)).until(() -> terminateBlockedUpdate(locker), n -> n > 0);
                locker.commit();

                await().atMost(Duration.ofSeconds(30)).until(() -> node.task(id).orElseThrow().status() == TaskStatus.SUCCEEDED);
                assertThat(cut).isEqualTo(1);
                assertThat(node.attempts(id)).singleElement().satisfies(a -> assertThat(a.status()).isEqualTo(AttemptStatus.SUCCEEDED));
                assertThat(node.result(id)).hasValueSatisfying(r -> assertThat(r.result().asText()).isEqualTo("done"));
            }
        }
    }

    /**
     * Terminates the backend that waits for the locker's row lock (the outcome's update of {@code tasks}; its
     * {@code query} column may still show the statement before it); returns how many it cut.
     */
    private static int terminateBlockedUpdate(Connection locker) throws Exception {
        try (PreparedStatement q = locker.prepareStatement("""
                select count(pg_terminate_backend(pid)) from pg_stat_activity
                where wait_event_type = 'Lock' and pid <> pg_backend_pid()
                """); ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
