package run.capsule.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 16, item 3: nodes of different versions on one journal. A journal migrated by a newer Capsule is refused; an
 * older PostgreSQL journal is refused until `capsule migrate` ({@link JournalMigration}); a new database and an older
 * H2 file journal are migrated on open.
 */
class SchemaVersionCheckTest {
    @TempDir
    Path dir;

    private static void sql(JournalConfig config, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password()); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static String newerRow(int version) {
        return "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by,"
                + " installed_on, execution_time, success) VALUES (" + (version + 100) + ", '" + version + "', 'from the future', 'SQL', 'V"
                + version + "__future.sql', 0, 'test', CURRENT_TIMESTAMP, 1, TRUE)";
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aJournalMigratedByANewerCapsuleIsRefusedWithOneLine(String database) throws Exception {
        JournalConfig config = database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres();
        Journal.open(config).close();
        int newer = Journal.SCHEMA_VERSION + 1;
        sql(config, newerRow(newer));

        String expected = "at schema version " + newer + " was migrated by a newer Capsule; this Capsule knows up to "
                + Journal.SCHEMA_VERSION + "; upgrade this node";
        assertThatThrownBy(() -> Journal.open(config)).isInstanceOf(JournalException.class)
                .hasMessageContaining(expected).satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> Journal.open(config.withAutoMigrate(true))).hasMessageContaining(expected);
        assertThatThrownBy(() -> JournalMigration.migrate(config, false)).hasMessageContaining(expected);
    }

    @Test
    void anOlderPostgresJournalIsRefusedUntilMigratedOnCommand() throws Exception {
        JournalConfig config = JournalDatabases.postgres();
        assertThat(config.autoMigrate()).isFalse();
        Journal.open(config).close();
        int previous = rollBackTheNewestMigration(config);
        assertThat(previous).isLessThan(Journal.SCHEMA_VERSION).isGreaterThanOrEqualTo(14);

        assertThatThrownBy(() -> Journal.open(config)).isInstanceOf(JournalException.class)
                .hasMessageContaining("is at schema version " + previous + ", this Capsule needs " + Journal.SCHEMA_VERSION)
                .hasMessageContaining("run 'capsule migrate'");

        JournalMigration.Report dry = JournalMigration.migrate(config, true);
        assertThat(dry.from()).isEqualTo(previous);
        assertThat(dry.to()).isEqualTo(Journal.SCHEMA_VERSION);
        assertThat(dry.applied()).singleElement().asString().startsWith("V" + Journal.SCHEMA_VERSION + " ");
        assertThatThrownBy(() -> Journal.open(config)).hasMessageContaining("run 'capsule migrate'");

        JournalMigration.Report done = JournalMigration.migrate(config, false);
        assertThat(done.changed()).isTrue();
        try (Journal journal = Journal.open(config)) {
            journal.nodes().register(new NodeRegistration("upgraded", 1, "h", 1, "v"));
            assertThat(journal.nodes().find("upgraded").orElseThrow().host()).isEqualTo("h");
            assertThat(journal.dsl().fetchCount(journal.dsl().selectFrom("usage_daily"))).isZero();
        }
        assertThat(JournalMigration.migrate(config, false).changed()).isFalse();
    }

    @Test
    void anOlderH2FileJournalIsMigratedOnOpenAndANewPostgresDatabaseToo() throws Exception {
        JournalConfig h2 = JournalDatabases.h2(dir);
        assertThat(h2.autoMigrate()).isTrue();
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Journal.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> said = new ch.qos.logback.core.read.ListAppender<>();
        said.start();
        log.addAppender(said);
        try {
            Journal.open(h2).close();
            assertThat(said.list).as("a new journal is created without a word").isEmpty();
            int older = rollBackTheNewestMigration(h2);
            try (Journal journal = Journal.open(h2)) {
                assertThat(Journal.appliedSchemaVersion(journal.dsl())).isEqualTo(Journal.SCHEMA_VERSION);
            }
            assertThat(said.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).singleElement().asString()
                    .contains("migrating the journal", "from schema version " + older + " to " + Journal.SCHEMA_VERSION, "can take minutes");
        } finally {
            log.detachAppender(said);
        }
        try (Journal fresh = Journal.open(JournalDatabases.postgres())) {
            assertThat(Journal.appliedSchemaVersion(fresh.dsl())).isEqualTo(Journal.SCHEMA_VERSION);
        }
    }

    /**
     * Undoes the newest migration (V21) by forgetting it: it only makes the attempts_named view again, so running it again is
     * harmless, and the journal is as the version before left it; returns that version.
     */
    private static int rollBackTheNewestMigration(JournalConfig config) throws Exception {
        sql(config, "DELETE FROM flyway_schema_history WHERE version = '" + Journal.SCHEMA_VERSION + "'");
        try (Journal journal = Journal.open(config.withAutoMigrate(false))) {
            throw new AssertionError("an older journal opened without migrating");
        } catch (JournalException e) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("is at schema version (\\d+)").matcher(e.getMessage());
            assertThat(m.find()).as(e.getMessage()).isTrue();
            return Integer.parseInt(m.group(1));
        }
    }
}
