package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/**
 * Where a journal's schema stands against this build's {@link Journal#SCHEMA_VERSION}, read from Flyway's history:
 * {@code applied} is the newest successfully applied version (-1 for none); {@code fresh} when there is no history at
 * all (a new database); {@code failed} when a migration failed half-way.
 */
record SchemaState(int applied, boolean fresh, boolean failed) {
    static SchemaState read(DSLContext dsl) {
        Table<?> history = DSL.table(DSL.name("flyway_schema_history"));
        Field<String> version = DSL.field(DSL.name("version"), String.class);
        Field<Boolean> success = DSL.field(DSL.name("success"), Boolean.class);
        try {
            boolean failed = dsl.fetchExists(dsl.selectOne().from(history).where(success.isFalse()));
            int newest = dsl.select(version).from(history).where(success.isTrue()).and(version.isNotNull()).fetch(version).stream()
                    .mapToInt(SchemaState::number).max().orElse(-1);
            boolean fresh = !dsl.fetchExists(dsl.selectOne().from(history));
            return new SchemaState(newest, fresh, failed);
        } catch (DataAccessException e) {
            return new SchemaState(-1, true, false);
        }
    }

    private static int number(String version) {
        try {
            return Integer.parseInt(version);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    boolean current() {
        return !failed && applied == Journal.SCHEMA_VERSION;
    }

    boolean newer() {
        return applied > Journal.SCHEMA_VERSION;
    }

    /** The one-line refusal for a journal this build must not open, or null when it may be opened (after migrating it if needed). */
    String refusal(boolean autoMigrate, String redactedUrl) {
        if (newer()) {
            return "journal " + redactedUrl + " at schema version " + applied + " was migrated by a newer Capsule; this Capsule knows up to "
                    + Journal.SCHEMA_VERSION + "; upgrade this node (docs/operations.md)";
        }
        if (current() || fresh || autoMigrate) {
            return null;
        }
        return "journal " + redactedUrl + " is at schema version " + (failed ? applied + " with a failed migration" : applied)
                + ", this Capsule needs " + Journal.SCHEMA_VERSION + ": run 'capsule migrate' once (docs/operations.md)";
    }
}
