package run.capsule.bench;

import org.jooq.DSLContext;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How long upgrading a large journal through V18 (the task name copied onto every attempt and host request) and V20
 * (the daily views redefined on it) takes, and what it does to the tables' size: fills a journal with HistoryGenerator,
 * takes it back to the shape before V18 (views and columns dropped), then runs the two migrations' own statements in one
 * transaction, as Flyway does, timing each. Usage: MigrationBackfill h2|postgres TASKS WORKDIR
 */
public final class MigrationBackfill {
    private static final String[] VIEWS_ON_TASK_NAME = {"usage_daily", "failures_daily", "host_requests_named"};

    public static void main(String[] args) throws Exception {
        String database = args[0];
        long count = Long.parseLong(args[1]);
        Path work = Path.of(args[2]);
        try (BenchJournal bench = BenchJournal.open(database, work); Journal journal = Journal.open(bench.config())) {
            JournalConfig config = bench.config();
            String vendor = config.isH2() ? "h2" : "postgresql";
            DSLContext dsl = journal.dsl();
            long started = System.nanoTime();
            long written = new HistoryGenerator(journal, 18, 100).generate(count);
            System.out.printf("%s: generated %d tasks in %.0f s, load average %s%n", database, written, seconds(started), HistoryAtScale.loadAverage());

            for (String view : VIEWS_ON_TASK_NAME) {
                dsl.execute("DROP VIEW " + view);
            }
            dsl.execute("ALTER TABLE attempts DROP COLUMN task_name");
            dsl.execute("ALTER TABLE host_requests DROP COLUMN task_name");
            vacuum(dsl, config);
            System.out.printf("before V18: %s; attempts %d, host requests %d%n", sizes(dsl, config),
                    dsl.fetchCount(dsl.selectFrom("attempts")), dsl.fetchCount(dsl.selectFrom("host_requests")));

            List<String> statements = new ArrayList<>(statements("db/migration/V18__task_names_on_history.sql"));
            statements.addAll(statements("db/vendor/" + vendor + "/V20__daily_views_without_join.sql"));
            long upgrade = System.nanoTime();
            dsl.transaction(tx -> {
                for (String sql : statements) {
                    long t = System.nanoTime();
                    tx.dsl().execute(sql);
                    System.out.printf("  %7.1f s  %s%n", seconds(t), sql.lines().findFirst().orElse(""));
                }
            });
            System.out.printf("V18 + V20 in one transaction: %.1f s, load average %s%n", seconds(upgrade), HistoryAtScale.loadAverage());
            System.out.printf("after, before any vacuum: %s%n", sizes(dsl, config));
            vacuum(dsl, config);
            System.out.printf("after a vacuum: %s%n", sizes(dsl, config));
        }
    }

    /** A migration's statements: comment lines dropped, split at the semicolons that end a line. */
    private static List<String> statements(String resource) throws IOException {
        try (InputStream in = MigrationBackfill.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("not on the classpath: " + resource);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            StringBuilder sql = new StringBuilder();
            text.lines().filter(line -> !line.stripLeading().startsWith("--")).forEach(line -> sql.append(line).append('\n'));
            return java.util.Arrays.stream(sql.toString().split(";\\s*\\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }
    }

    private static void vacuum(DSLContext dsl, JournalConfig config) {
        if (config.isH2()) {
            dsl.execute("CHECKPOINT SYNC");
        } else {
            dsl.execute("VACUUM attempts");
            dsl.execute("VACUUM host_requests");
        }
    }

    private static String sizes(DSLContext dsl, JournalConfig config) {
        List<String> out = new ArrayList<>();
        for (String table : new String[] {"attempts", "host_requests"}) {
            long bytes = ((Number) dsl.fetchValue(config.isH2() ? "SELECT DISK_SPACE_USED('" + table + "')"
                    : "SELECT pg_total_relation_size('" + table + "')")).longValue();
            out.add(String.format("%s %.1f MB", table, bytes / 1e6));
        }
        return String.join(", ", out);
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }
}
