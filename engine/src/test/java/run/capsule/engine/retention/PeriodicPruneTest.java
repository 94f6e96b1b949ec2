package run.capsule.engine.retention;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.engine.TestModules;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static run.capsule.store.jooq.Tables.TASKS;

/** A node's periodic prune (capsule worker --prune-finished-before): old finished tasks go, a new pending one stays. */
class PeriodicPruneTest {
    @TempDir
    Path dir;

    @Test
    void prunesOnItsIntervalUntilClosed() {
        JournalConfig journalConfig = JournalConfig.embedded(dir.resolve("journal"));
        CapsuleOptions options = CapsuleOptions.builder().journal(journalConfig).runners(1).build();
        try (CapsuleClient client = Capsule.openClient(options)) {
            TaskSpec spec = TaskSpec.builder(TestModules.sample("hello/hello.wasm")).build();
            String old = client.submit(spec, SubmitOptions.NOW).taskId();
            String waiting = client.submit(spec, SubmitOptions.NOW).taskId();
            try (Journal journal = Journal.open(journalConfig)) {
                var then = journal.nodes().databaseNow().minusDays(40);
                journal.dsl().update(TASKS).set(TASKS.STATUS, "CANCELLED").set(TASKS.UPDATED_AT, then).where(TASKS.ID.eq(old)).execute();
            }

            try (PeriodicPrune prune = PeriodicPrune.start(PruneRequest.olderThan(Duration.ofDays(30)), Duration.ofMillis(200), client::prune)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> client.task(old).isEmpty());
            }

            assertThat(client.task(waiting)).isPresent();
            assertThat(client.query("SELECT requested_by FROM prune_runs", 10).rows()).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.get(0)).isEqualTo(options.nodeId()));
        }
    }
}
