package run.capsule.store;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.HOST_REQUESTS;

/**
 * Issue 17: V18 keeps the task name on attempts and host requests. A journal written before V18 gets the names of its
 * existing rows when it is migrated, and the views that read them find the same answers as before.
 */
class TaskNamesMigrationTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aJournalFromBeforeV18GetsTheNamesOfItsAttemptsAndRequests(String database) throws Exception {
        JournalConfig config = database.equals("h2")
                ? JournalConfig.of("jdbc:h2:file:" + dir.resolve("old") + ";DATABASE_TO_LOWER=TRUE").withCredentials("sa", "sa")
                : JournalDatabases.postgres();
        Flyway.configure().dataSource(config.jdbcUrl(), config.user(), config.password())
                .locations("classpath:db/migration", "classpath:db/vendor/" + (database.equals("h2") ? "h2" : "postgresql"))
                .target("17").load().migrate();
        try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password()); Statement s = c.createStatement()) {
            try (var module = c.prepareStatement("INSERT INTO modules (sha256, size_bytes, bytes, created_at) VALUES ('m1', 1, ?, CURRENT_TIMESTAMP)")) {
                module.setBytes(1, new byte[] {0});
                module.executeUpdate();
            }
            for (String[] task : List.of(new String[] {"t1", "summarize"}, new String[] {"t2", "fetch"})) {
                s.execute("INSERT INTO tasks (id, name, status, module_sha256, created_at, updated_at, config, run_at) VALUES ('"
                        + task[0] + "', '" + task[1] + "', 'SUCCEEDED', 'm1', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{}', CURRENT_TIMESTAMP)");
                s.execute("INSERT INTO attempts (task_id, attempt_no, node_id, status, started_at, finished_at, fuel_consumed) VALUES ('"
                        + task[0] + "', 1, 'n', 'SUCCEEDED', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 7)");
            }
            s.execute("INSERT INTO host_requests (task_id, attempt_no, seq, at, method, url, bytes_sent, bytes_received, duration_ms)"
                    + " VALUES ('t2', 1, 1, CURRENT_TIMESTAMP, 'GET', 'https://api.example.org/x', 0, 10, 5)");
        }

        if (!database.equals("h2")) {
            assertThat(JournalMigration.migrate(config, false).applied()).contains("V18 task names on history");
        }
        try (Journal journal = Journal.open(config)) {
            assertThat(Journal.appliedSchemaVersion(journal.dsl())).isEqualTo(Journal.SCHEMA_VERSION);
            assertThat(journal.dsl().select(ATTEMPTS.TASK_ID, ATTEMPTS.TASK_NAME).from(ATTEMPTS).orderBy(ATTEMPTS.TASK_ID).fetch()
                    .map(r -> r.value1() + " " + r.value2())).containsExactly("t1 summarize", "t2 fetch");
            assertThat(journal.dsl().select(HOST_REQUESTS.TASK_NAME).from(HOST_REQUESTS).fetch(HOST_REQUESTS.TASK_NAME)).containsExactly("fetch");
            assertThat(journal.readOnlySql().query("SELECT name, attempts, fuel FROM usage_daily ORDER BY name", 10).rows())
                    .extracting(r -> r.get(0) + " " + ((Number) r.get(1)).intValue() + " " + ((Number) r.get(2)).longValue())
                    .containsExactly("fetch 1 7", "summarize 1 7");
            assertThat(journal.readOnlySql().query("SELECT name, host FROM host_requests_named", 10).rows())
                    .containsExactly(List.of("fetch", "api.example.org"));
        }
    }
}
