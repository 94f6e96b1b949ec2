package run.capsule.bench;

import run.capsule.store.Journal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Switches a journal between the indexes before issue 17 (V1 and V2 only) and after (V11 and V17, and V12 on PostgreSQL), so
 * the benchmark measures the same rows both ways.
 */
final class HistoryIndexes {
    private static final List<String> OLD = List.of(
            "CREATE INDEX tasks_status_idx ON tasks (status)",
            "CREATE INDEX tasks_created_at_idx ON tasks (created_at)");
    private static final List<String> NEW = List.of(
            "CREATE INDEX tasks_api_page_idx ON tasks (created_at, id)",
            "CREATE INDEX tasks_api_status_page_idx ON tasks (status, created_at, id)",
            "CREATE INDEX tasks_api_name_page_idx ON tasks (name, created_at, id)",
            "CREATE INDEX tasks_status_updated_idx ON tasks (status, updated_at, id)",
            "CREATE INDEX tasks_module_idx ON tasks (module_sha256)",
            "CREATE INDEX tasks_recoveries_idx ON tasks (recoveries)",
            "CREATE INDEX attempts_started_idx ON attempts (started_at)",
            "CREATE INDEX attempts_started_on_idx ON attempts (started_on)",
            "CREATE INDEX attempts_finished_idx ON attempts (finished_at)",
            "CREATE INDEX host_requests_at_idx ON host_requests (at)");
    private static final List<String> NEW_POSTGRES = List.of(
            "CREATE INDEX tasks_id_prefix_idx ON tasks (id varchar_pattern_ops)",
            "CREATE INDEX tasks_due_unfinished_idx ON tasks (run_at, id) WHERE status IN ('PENDING', 'RETRY_WAIT')");

    private HistoryIndexes() {
    }

    static void before(Journal journal) throws SQLException {
        List<String> sql = new ArrayList<>();
        drops(journal, sql);
        sql.addAll(OLD);
        run(journal, sql);
    }

    static void after(Journal journal) throws SQLException {
        List<String> sql = new ArrayList<>();
        for (String create : OLD) {
            sql.add("DROP INDEX IF EXISTS " + name(create));
        }
        drops(journal, sql);
        sql.addAll(NEW);
        if (!journal.config().isH2()) {
            sql.addAll(NEW_POSTGRES);
        }
        run(journal, sql);
    }

    private static void drops(Journal journal, List<String> sql) {
        for (String create : NEW) {
            sql.add("DROP INDEX IF EXISTS " + name(create));
        }
        if (!journal.config().isH2()) {
            for (String create : NEW_POSTGRES) {
                sql.add("DROP INDEX IF EXISTS " + name(create));
            }
        }
        for (String create : OLD) {
            sql.add("DROP INDEX IF EXISTS " + name(create));
        }
    }

    private static String name(String create) {
        return create.split(" ")[2];
    }

    private static void run(Journal journal, List<String> sql) throws SQLException {
        try (Connection c = journal.dataSource().getConnection(); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
            s.execute("ANALYZE");
        }
    }
}
