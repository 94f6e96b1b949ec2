package run.capsule.store;

import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static run.capsule.store.jooq.Tables.MODULES;

/**
 * A submit whose module a prune deletes between the submit's check that it exists and the task's insert: on PostgreSQL
 * the task's foreign key waits for the prune and fails once it commits, and the submit now stores the module again and
 * succeeds (it failed). H2 does not make the foreign key wait: there the same interleaving journals the task and the
 * module is gone (docs/sql.md, "Retention", says so); not fixed.
 */
class ModulePruneRaceTest {
    @Test
    void onPostgresASubmitRacingAPruneOfItsModuleStoresTheModuleAgain() throws Exception {
        try (Journal journal = Journal.open(JournalDatabases.postgres())) {
            byte[] module = ("\0asm-raced-" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
            String sha = journal.modules().put(module);
            String id = UUID.randomUUID().toString();
            try (Connection prune = journal.dataSource().getConnection()) {
                prune.setAutoCommit(false);
                // the prune's delete, not yet committed: the submit still sees the module and skips storing it
                assertThat(DSL.using(prune).deleteFrom(MODULES).where(MODULES.SHA256.eq(sha)).execute()).isEqualTo(1);
                CompletableFuture<String> submit = CompletableFuture.supplyAsync(
                        () -> journal.tasks().create(new NewTask(id, "raced", null, sha, 0, "{}"), module));
                Thread.sleep(500);
                prune.commit();
                assertThat(submit.get(30, TimeUnit.SECONDS)).isEqualTo(id);
            }
            assertThat(journal.modules().contains(sha)).as("stored again").isTrue();
            assertThat(journal.tasks().find(id)).isPresent();
        }
    }
}
