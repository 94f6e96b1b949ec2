package run.capsule.store;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, finding 4: children left RUNNING with {@code cancel_requested} were queued again after their node was lost,
 * and 22 of them succeeded after being cancelled. Recovery and claims now honour the request.
 */
class CancelAfterNodeLossTest {
    @TempDir
    Path dir;

    private Journal open(String database) {
        return Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aRunningTaskAskedToCancelIsCancelledWhenItsNodeIsLostNotQueuedAgain(String database) {
        byte[] module = "\0asm-cancel".getBytes(StandardCharsets.UTF_8);
        String id = UUID.randomUUID().toString();
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            tasks.create(new NewTask(id, "child", null, ModuleStore.sha256(module), 3, "{\"args\":[]}"), module);
            tasks.startAttempt(id, "node-gone");
            assertThat(tasks.requestCancel(id)).isEqualTo(CancelOutcome.REQUESTED);

            assertThat(tasks.recoverNode("node-gone", "node node-gone lost", 5)).isEqualTo(1);

            TaskRow row = tasks.find(id).orElseThrow();
            assertThat(row.status()).isEqualTo(TaskStatus.CANCELLED);
            assertThat(row.errorType()).isEqualTo("cancelled");
            assertThat(tasks.claim(id, "node-b", false)).isEmpty();
            assertThat(tasks.claimDue("node-b", 10)).extracting(Claim::taskId).doesNotContain(id);
        }
    }

    /** Issue 11, finding 2: the embedded journal was 0755/0644 with an empty admin password anyone could use. */
    @org.junit.jupiter.api.Test
    void theEmbeddedJournalIsPrivateAndNeedsItsPassword() throws Exception {
        Path home = dir.resolve(".capsule");
        JournalConfig config = JournalConfig.embedded(home);
        try (Journal journal = Journal.open(config)) {
            journal.nodes().register("node-a", 1);
            assertThat(config.jdbcUrl()).doesNotContain(config.password());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwx------");
            try (var files = Files.list(home)) {
                files.filter(Files::isRegularFile).forEach(f -> {
                    try {
                        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString()).isEqualTo("rw-------");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
            assertThat(Files.readString(home.resolve(JournalConfig.PASSWORD_FILE))).hasSizeGreaterThanOrEqualTo(48);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection(config.jdbcUrl(), "sa", "").close())
                    .isInstanceOf(java.sql.SQLException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection(
                    ReadOnlySql.readerUrl(config.jdbcUrl()), ReadOnlySql.H2_READER, "capsule-journal-reader").close())
                    .isInstanceOf(java.sql.SQLException.class);
            Path lock = home.resolve("journal.lock.db");
            if (Files.exists(lock)) {
                assertThat(Files.readString(lock, StandardCharsets.ISO_8859_1)).doesNotContainPattern("server=(?!127\\.0\\.0\\.1)[0-9]");
            }
        }
    }

    /** A journal created before the password existed (sa, empty password) gets the password on its next open. */
    @org.junit.jupiter.api.Test
    void anOlderJournalWithAnEmptyPasswordGetsOne() throws Exception {
        Path home = dir.resolve("old");
        Files.createDirectories(home);
        String url = "jdbc:h2:file:" + home.resolve("journal") + JournalConfig.EMBEDDED_SETTINGS;
        try (Journal old = Journal.open(new JournalConfig(url, "sa", "", 4))) {
            old.nodes().register("old-node", 1);
        }

        JournalConfig config = JournalConfig.embedded(home);
        try (Journal journal = Journal.open(config)) {
            assertThat(journal.nodes()).isNotNull();
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection(url, "sa", "").close())
                .isInstanceOf(java.sql.SQLException.class);
    }
}
