package run.capsule.store;

import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Journal.open skips Flyway when the journal is at {@link Journal#SCHEMA_VERSION}; that constant must name the newest migration. */
class JournalSchemaTest {
    @TempDir
    Path dir;

    @Test
    void schemaVersionIsTheNewestMigrationAndAFreshJournalReachesIt() throws Exception {
        try (Journal journal = Journal.open(JournalConfig.embedded(dir))) {
            MigrationInfo[] all = Journal.flyway(journal.dataSource()).info().all();
            int newest = Arrays.stream(all).mapToInt(m -> Integer.parseInt(m.getVersion().getVersion())).max().orElseThrow();

            assertThat(newest).isEqualTo(Journal.SCHEMA_VERSION);
            assertThat(Journal.appliedSchemaVersion(journal.dsl())).isEqualTo(Journal.SCHEMA_VERSION);
            assertThat(Journal.flyway(journal.dataSource()).info().pending()).isEmpty();
        }
        try (Journal again = Journal.open(JournalConfig.embedded(dir))) {
            assertThat(again.tasks().recent(1)).isEmpty();
        }
    }

    /** Issue 17: the embedded journal's H2 page cache is 256 MiB (a quarter of the heap if less), not H2's 64 MiB. */
    @Test
    void theEmbeddedJournalHasItsLargerPageCache() {
        try (Journal journal = Journal.open(JournalConfig.embedded(dir))) {
            long expectedMb = Math.min(256, Runtime.getRuntime().maxMemory() / 4 / 1024 / 1024);
            assertThat(journal.dsl().fetchValue("SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'info.CACHE_MAX_SIZE'"))
                    .isEqualTo(String.valueOf(expectedMb));
        }
    }
}
