package run.capsule.store;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/**
 * {@code capsule migrate}: brings a journal's schema up to this build's {@link Journal#SCHEMA_VERSION} on the
 * operator's word (docs/operations.md), or with {@code dryRun} only says what it would apply. A journal migrated by a
 * newer Capsule is refused, never touched.
 */
public final class JournalMigration {
    /** {@code from} -1 for a new database; {@code applied} the migrations run (or, on a dry run, that would run), by name. */
    public record Report(int from, int to, List<String> applied, boolean dryRun) {
        public boolean changed() {
            return !applied.isEmpty();
        }
    }

    private JournalMigration() {
    }

    public static Report migrate(JournalConfig config, boolean dryRun) {
        try (HikariDataSource dataSource = Journal.dataSource(config)) {
            SchemaState schema = SchemaState.read(Journal.dsl(dataSource, config));
            String refusal = schema.refusal(true, config.redactedUrl());
            if (refusal != null) {
                throw new JournalException(refusal);
            }
            Flyway flyway = Journal.flyway(dataSource);
            List<String> pending = Arrays.stream(flyway.info().pending())
                    .map(m -> "V" + m.getVersion().getVersion() + " " + m.getDescription()).toList();
            if (!dryRun && !pending.isEmpty()) {
                flyway.migrate();
            }
            int from = schema.applied();
            int to = pending.isEmpty() ? from : Journal.SCHEMA_VERSION;
            return new Report(from, to, pending, dryRun);
        } catch (FlywayException | SQLException e) {
            throw new JournalException("cannot migrate journal database " + config.redactedUrl() + ": " + Journal.rootMessage(e), e);
        }
    }
}
