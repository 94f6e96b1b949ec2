package run.capsule.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Runs a user's SQL over the journal and guarantees it cannot write. The statement must be a single
 * query; on H2 it runs as a user that holds only SELECT on the journal tables (so H2's file functions are
 * refused too), on PostgreSQL inside a READ ONLY transaction that is rolled back. These are the
 * documented vendor-specific statements of the store.
 */
public final class ReadOnlySql {
    static final String H2_READER = "capsule_reader";
    private static final String H2_READER_PASSWORD = "capsule-journal-reader";
    private static final Set<String> QUERY_KEYWORDS = Set.of("select", "with", "values", "table", "explain", "show");
    /** Every journal table and view but task_secrets, which no query may read. */
    private static final List<String> JOURNAL_TABLES = List.of("tasks", "attempts", "task_events", "modules", "nodes", "host_requests",
            "crashed_modules", "steps", "prune_runs", "task_labels", "attempt_output", "attempts_named", "usage_daily", "failures_daily",
            "host_requests_named");

    private final JournalConfig config;
    private final DataSource dataSource;

    ReadOnlySql(JournalConfig config, DataSource dataSource) {
        this.config = config;
        this.dataSource = dataSource;
    }

    /**
     * The reader's password: derived from the journal's private admin password where it has one, so that only who can
     * read the password file can connect; the old fixed one for an H2 URL given without a password.
     */
    static String readerPassword(JournalConfig config) {
        if (config.password() == null || config.password().isEmpty()) {
            return H2_READER_PASSWORD;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("capsule_reader\n" + config.password()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void ensureH2Reader(DataSource dataSource, JournalConfig config) throws SQLException {
        String password = readerPassword(config).replace("'", "''");
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE USER IF NOT EXISTS " + H2_READER + " PASSWORD '" + password + "'");
            s.execute("ALTER USER " + H2_READER + " SET PASSWORD '" + password + "'");
            s.execute("GRANT SELECT ON " + String.join(", ", JOURNAL_TABLES) + " TO " + H2_READER);
        }
    }

    /** The limit of a query's run time when none is given. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Runs the query and returns at most {@code maxRows} rows; a write or a malformed query is a {@link JournalException}. */
    public QueryResult query(String sql, int maxRows) {
        return query(sql, maxRows, DEFAULT_TIMEOUT);
    }

    /**
     * The same, cancelled once it has run {@code timeout} (reading its rows included): on PostgreSQL by the transaction's
     * {@code statement_timeout}, on both by cancelling the statement; a cancelled query is a {@link JournalException}
     * that says so.
     */
    public QueryResult query(String sql, int maxRows, Duration timeout) {
        String statement = singleStatement(sql);
        try (Connection c = config.isH2()
                ? DriverManager.getConnection(readerUrl(config.jdbcUrl()), H2_READER, readerPassword(config))
                : dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            if (!config.isH2()) {
                try (Statement s = c.createStatement()) {
                    s.execute("SET TRANSACTION READ ONLY");
                    s.execute("SET LOCAL statement_timeout = " + Math.max(1, timeout.toMillis()));
                }
            }
            try (Statement s = c.createStatement(); QueryWatchdog watchdog = QueryWatchdog.start(s, timeout)) {
                s.setMaxRows(maxRows + 1);
                try (ResultSet rs = s.executeQuery(statement)) {
                    return read(rs, maxRows);
                } catch (SQLException e) {
                    if (watchdog.fired() || "57014".equals(e.getSQLState())) {
                        throw new JournalException("query cancelled: it ran longer than " + timeout.toMillis() + " ms (the query time limit)", e);
                    }
                    throw e;
                }
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw new JournalException("query failed: " + Journal.rootMessage(e), e);
        }
    }

    /** The URL without settings only an administrator may apply (the reader connects to an open database). */
    static String readerUrl(String url) {
        return url.replaceAll("(?i);(WRITE_DELAY|CACHE_SIZE)=[^;]*", "");
    }

    private static String singleStatement(String sql) {
        String trimmed = sql == null ? "" : sql.strip();
        while (trimmed.endsWith(";")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1).stripTrailing();
        }
        if (trimmed.isEmpty()) {
            throw new JournalException("empty query");
        }
        if (trimmed.contains(";")) {
            throw new JournalException("only one statement per query is allowed");
        }
        String first = trimmed.split("[\\s(]+", 2)[0].toLowerCase(Locale.ROOT);
        if (!QUERY_KEYWORDS.contains(first)) {
            throw new JournalException("the journal is read-only here: '" + first.toUpperCase(Locale.ROOT)
                    + "' statements are not allowed (use SELECT)");
        }
        return trimmed;
    }

    private static QueryResult read(ResultSet rs, int maxRows) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            columns.add(meta.getColumnLabel(i).toLowerCase(Locale.ROOT));
        }
        List<List<Object>> rows = new ArrayList<>();
        boolean truncated = false;
        while (rs.next()) {
            if (rows.size() == maxRows) {
                truncated = true;
                break;
            }
            List<Object> row = new ArrayList<>(columns.size());
            for (int i = 1; i <= columns.size(); i++) {
                Object value = rs.getObject(i);
                // H2 keeps steps.request and steps.outcome as CLOBs (migrations/db/vendor/h2): shown as the text they hold
                row.add(value instanceof Clob clob ? clob.getSubString(1, (int) Math.min(Integer.MAX_VALUE, clob.length())) : value);
            }
            rows.add(row);
        }
        return new QueryResult(columns, rows, truncated);
    }
}
