package run.capsule.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.UUID;

/** The two real databases the journal runs on: an H2 file and a PostgreSQL server started from Maven. */
final class JournalDatabases {
    private static EmbeddedPostgres postgres;

    private JournalDatabases() {
    }

    static synchronized JournalConfig postgres() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the server dies with the JVM either way
                }
            }));
        }
        String db = "journal_" + UUID.randomUUID().toString().replace("-", "");
        try (var c = postgres.getPostgresDatabase().getConnection(); var s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return JournalConfig.of(postgres.getJdbcUrl("postgres", db)).withCredentials("postgres", "postgres");
    }

    static JournalConfig h2(Path dir) {
        return JournalConfig.embedded(dir);
    }
}
