package run.capsule.engine;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.JournalConfig;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 15: on PostgreSQL a task queued by another client (as {@code capsule submit} beside {@code capsule worker}) wakes the
 * worker through LISTEN/NOTIFY. The worker's poll is set to a minute, so only the notification can start these tasks in time.
 */
class QueueWakeUpTest {
    private static final Duration NO_POLL = Duration.ofMinutes(1);

    private static final String LISTENERS = "select count(*) from pg_stat_activity where query = 'LISTEN capsule_queue'";

    @TempDir
    Path dir;

    private static long sql(EmbeddedPostgres pg, String query) throws java.sql.SQLException {
        try (var connection = pg.getPostgresDatabase().getConnection(); var statement = connection.createStatement();
             var rows = statement.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Test
    void aTaskQueuedByAnotherClientWakesTheWorkerAlsoAfterItsListenerWasCutOff() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            JournalConfig journal = JournalConfig.of(pg.getJdbcUrl("postgres", "postgres")).withCredentials("postgres", "postgres");
            TaskSpec hello = TaskSpec.builder(TestModules.sample("hello/hello.wasm")).arg("Notified").build();
            try (Capsule node = Capsule.open(CapsuleOptions.builder().journal(journal).runners(1).nodeId("listening-node")
                    .cacheDir(dir.resolve("cache")).build());
                 CapsuleClient other = Capsule.openClient(CapsuleOptions.builder().journal(journal).nodeId("other-client")
                         .cacheDir(dir.resolve("cache")).build())) {
                node.warmUp(1);
                try (Worker worker = node.startWorker(WorkerOptions.DEFAULT.withPollInterval(NO_POLL))) {
                    Thread.sleep(500); // the worker's first poll has found nothing; now it waits a minute unless notified
                    for (int i = 0; i < 5; i++) {
                        String id = other.submit(hello, SubmitOptions.NOW).taskId();
                        TaskResult result = other.await(id, Duration.ofSeconds(20)).orElseThrow();
                        assertThat(result.success()).isTrue();
                    }

                    // the database drops the listening connection: the listener reconnects and is woken again
                    assertThat(sql(pg, LISTENERS)).isEqualTo(1);
                    assertThat(sql(pg, "select count(pg_terminate_backend(pid)) from pg_stat_activity where query = 'LISTEN capsule_queue'")).isEqualTo(1);
                    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> sql(pg, LISTENERS) == 0);
                    await().atMost(Duration.ofSeconds(10)).until(() -> sql(pg, LISTENERS) == 1);
                    String id = other.submit(hello, SubmitOptions.NOW).taskId();
                    assertThat(other.await(id, Duration.ofSeconds(20))).hasValueSatisfying(r -> assertThat(r.success()).isTrue());
                }
            }
        }
    }
}
