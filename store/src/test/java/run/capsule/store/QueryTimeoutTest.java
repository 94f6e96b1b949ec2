package run.capsule.store;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 17 item 5: a read-only query that runs too long is cancelled with a clear message, on H2 and on PostgreSQL. */
class QueryTimeoutTest {
    /** Billions of rows from the catalog: runs for minutes unless cancelled. */
    private static final String ENDLESS = "SELECT COUNT(*) FROM information_schema.columns a, information_schema.columns b, "
            + "information_schema.columns c, information_schema.columns d";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aQueryPastItsTimeLimitIsCancelledAndTheNextOneRuns(String database) {
        try (Journal journal = Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres())) {
            long started = System.nanoTime();

            assertThatThrownBy(() -> journal.readOnlySql().query(ENDLESS, 10, Duration.ofMillis(700)))
                    .isInstanceOf(JournalException.class)
                    .hasMessage("query cancelled: it ran longer than 700 ms (the query time limit)");

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertThat(journal.readOnlySql().query("SELECT COUNT(*) FROM tasks", 1, Duration.ofSeconds(5)).rows()).hasSize(1);
        }
    }
}
