package run.capsule.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import run.capsule.store.JournalConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A journal for a benchmark under {@code work}: an H2 file, or an embedded PostgreSQL started (and stopped on close) there. */
record BenchJournal(JournalConfig config, EmbeddedPostgres postgres) implements AutoCloseable {
    static BenchJournal open(String database, Path work) throws IOException {
        Files.createDirectories(work);
        if (database.equals("postgres")) {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pg")).setCleanDataDirectory(true).start();
            return new BenchJournal(JournalConfig.of(postgres.getJdbcUrl("postgres", "postgres")).withCredentials("postgres", "postgres"), postgres);
        }
        if (!database.equals("h2")) {
            throw new IllegalArgumentException("database must be h2 or postgres, not " + database);
        }
        return new BenchJournal(JournalConfig.embedded(work.resolve("h2")), null);
    }

    @Override
    public void close() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }
}
