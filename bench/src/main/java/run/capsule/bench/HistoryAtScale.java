package run.capsule.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import run.capsule.store.AttemptOutcome;
import run.capsule.store.Claim;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;
import run.capsule.store.ModuleStore;
import run.capsule.store.NewTask;
import run.capsule.store.PruneCriteria;
import run.capsule.store.PruneReport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * History at scale (issue 17, docs/performance.md): fills a journal with finished tasks (HistoryGenerator), reports
 * bytes per task, then measures claiming, one task's status and history (in process and as a whole CLI process), task
 * pages and the documented queries with the indexes before issue 17 and after, and finally prunes 90% of the tasks
 * while probing that status and the recent page stay responsive.
 * Usage: HistoryAtScale h2|postgres TASKS WORKDIR [docs/sql.md]
 */
public final class HistoryAtScale {
    private static final Pattern SQL_BLOCK = Pattern.compile("```sql\\n-- ([^\\n]+)\\n(.*?)```", Pattern.DOTALL);
    private static final int SPAN_DAYS = 100;
    private static final String TS = "CAST(? AS TIMESTAMP WITH TIME ZONE)";

    public static void main(String[] args) throws Exception {
        String database = args[0];
        long count = Long.parseLong(args[1]);
        Path work = Path.of(args[2]);
        Path doc = Path.of(args.length > 3 ? args[3] : "docs/sql.md");
        Files.createDirectories(work);
        EmbeddedPostgres postgres = null;
        JournalConfig config;
        String cliUrl;
        if (database.equals("postgres")) {
            postgres = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pg")).setCleanDataDirectory(true).start();
            config = JournalConfig.of(postgres.getJdbcUrl("postgres", "postgres")).withCredentials("postgres", "postgres");
            cliUrl = postgres.getJdbcUrl("postgres", "postgres") + "&password=postgres";
        } else {
            config = JournalConfig.embedded(work.resolve("h2"));
            cliUrl = null;
        }
        if (Boolean.getBoolean("history.pruneOnly") && config.isH2()) {
            // prunes a journal generated before (a copy of it: the prune deletes 90%), with nothing else measured
            try (Journal journal = Journal.open(config)) {
                if (Boolean.getBoolean("history.indexesAfter")) {
                    // a copy made by -Dhistory.copyTo has the indexes of the bulk load: give it those of now first
                    HistoryIndexes.after(journal);
                }
                if (Integer.getInteger("h2.cacheKb") != null) {
                    journal.dsl().execute("SET CACHE_SIZE " + Integer.getInteger("h2.cacheKb"));
                }
                prune(journal);
            }
            return;
        }
        long written;
        try (Journal journal = Journal.open(config)) {
            System.out.printf("database %s, %d tasks, load average %s%n", database, count, loadAverage());
            Sample emptyClaim = claim(journal, 200);
            System.out.println("claim on an empty journal: " + emptyClaim);

            HistoryIndexes.before(journal);
            if (journal.config().isH2() && System.getProperty("h2.bulkRetention") != null) {
                // H2 keeps every chunk written in the last RETENTION_TIME ms (45 s): a bulk load grows the file by all it wrote meanwhile
                journal.dsl().execute("SET RETENTION_TIME " + Integer.getInteger("h2.bulkRetention"));
            }
            long started = System.nanoTime();
            written = new HistoryGenerator(journal, 17, SPAN_DAYS).generate(count);
            if (journal.config().isH2() && System.getProperty("h2.bulkRetention") != null) {
                journal.dsl().execute("SET RETENTION_TIME 45000");
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("generated %d tasks in %.0f s (%.0f tasks/s)%n", written, seconds, written / seconds);
            printSizes(journal, work, written);
        }
        if (config.isH2()) {
            compactedSize(config, work, written);
            if (System.getProperty("history.copyTo") != null) {
                // a copy of the compacted journal, closed, for re-running the prune alone (-Dhistory.pruneOnly=true on the copy)
                Path copy = Path.of(System.getProperty("history.copyTo")).resolve("h2");
                Files.createDirectories(copy);
                try (var files = Files.list(work.resolve("h2"))) {
                    for (Path f : files.toList()) {
                        Files.copy(f, copy.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        try (Journal journal = Journal.open(config)) {
            List<String> ids = sampleIds(journal, 200);
            Map<String, String> queries = documentedQueries(doc);
            // -Dhistory.afterOnly=true measures only the indexes of now, -Dhistory.skipPrune=true keeps the journal (both for reruns)
            boolean[] phases = Boolean.getBoolean("history.afterOnly") ? new boolean[] {true} : new boolean[] {false, true};
            for (boolean after : phases) {
                long t = System.nanoTime();
                if (after) {
                    HistoryIndexes.after(journal);
                } else {
                    HistoryIndexes.before(journal);
                }
                System.out.printf("%n== indexes %s (switched in %.0f s), load average %s%n", after ? "AFTER (V11)" : "BEFORE (V1/V2 only)",
                        (System.nanoTime() - t) / 1e9, loadAverage());
                measure(journal, ids, queries, after ? 30 : 5);
            }
            cli(config, cliUrl, work, ids.get(0));
            if (!Boolean.getBoolean("history.skipPrune")) {
                prune(journal);
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    private static void measure(Journal journal, List<String> ids, Map<String, String> queries, int pageRuns) {
        System.out.println("claim (one due task among the history): " + claim(journal, 100));
        System.out.println("status (find by id): " + Sample.of(ids, id -> journal.tasks().find(id)));
        System.out.println("status (find by 13-character prefix): " + Sample.of(ids.subList(0, 50), id -> journal.tasks().findByPrefix(id.substring(0, 13))));
        System.out.println("history (task, attempts, events, steps, requests, children): " + Sample.of(ids, id -> {
            journal.tasks().find(id);
            journal.tasks().attempts(id).forEach(a -> journal.tasks().hostRequests(id, a.attemptNo()));
            journal.tasks().events(id);
            journal.steps().steps(id);
            journal.tasks().children(id);
        }));
        OffsetDateTime now = journal.nodes().databaseNow();
        OffsetDateTime middle = now.minusDays(SPAN_DAYS / 2);
        String cols = "SELECT id, name, status, created_at, updated_at FROM tasks ";
        String order = " ORDER BY created_at DESC, id DESC LIMIT 50";
        Map<String, Supplier<Object>> pages = new java.util.LinkedHashMap<>();
        pages.put("recent page", () -> journal.dsl().fetch(cols + order));
        pages.put("next page from a cursor 50 days back", () -> journal.dsl().fetch(cols + "WHERE (created_at, id) < (" + TS + ", ?)" + order, middle, "~"));
        pages.put("status = FAILED", () -> journal.dsl().fetch(cols + "WHERE status = 'FAILED'" + order));
        pages.put("name = task7", () -> journal.dsl().fetch(cols + "WHERE name = 'task7'" + order));
        pages.put("one day 50 days back", () -> journal.dsl().fetch(cols + "WHERE created_at >= " + TS + " AND created_at < " + TS + order, middle, middle.plusDays(1)));
        pages.put("FAILED, task3, one week", () -> journal.dsl().fetch(cols + "WHERE status = 'FAILED' AND name = 'task3' AND created_at >= " + TS + " AND created_at < " + TS
                + order, middle, middle.plusDays(7)));
        pages.forEach((name, page) -> System.out.println("page, " + name + ": " + Sample.repeat(pageRuns, page)));
        int queryRuns = pageRuns > 5 ? 3 : 1;
        queries.forEach((title, sql) -> System.out.println("query, " + title + ": "
                + Sample.repeat(queryRuns, () -> journal.readOnlySql().query(sql, 1000, Duration.ofMinutes(5)))));
        if (Boolean.getBoolean("history.compareJoined")) {
            JOINED_BEFORE_V18.forEach((title, sql) -> System.out.println("query joining tasks as before V18, " + title + ": "
                    + Sample.repeat(queryRuns, () -> journal.readOnlySql().query(sql, 1000, Duration.ofMinutes(5)))));
        }
    }

    /** The documented queries that V18 changed, as they read the task name before it: through a join with tasks. */
    private static final Map<String, String> JOINED_BEFORE_V18 = Map.of(
            "the ten most fuel-hungry task names this week", """
                    SELECT name, SUM(fuel_consumed) AS fuel, COUNT(*) AS attempts, AVG(duration_ms) AS avg_duration_ms
                    FROM attempts_named WHERE started_at >= CURRENT_TIMESTAMP - INTERVAL '7' DAY
                    GROUP BY name ORDER BY fuel DESC NULLS LAST, name LIMIT 10""",
            "hosts called per task name this week", """
                    SELECT t.name, r.host, COUNT(*) AS requests, SUM(r.bytes_sent) AS bytes_sent, SUM(r.bytes_received) AS bytes_received
                    FROM host_requests_named r JOIN tasks t ON t.id = r.task_id WHERE r.at >= CURRENT_TIMESTAMP - INTERVAL '7' DAY
                    GROUP BY t.name, r.host ORDER BY requests DESC, t.name, r.host""",
            "retries that finally succeeded this week", """
                    SELECT t.name, COUNT(*) AS tasks, MAX(t.attempts) AS most_attempts FROM tasks t
                    WHERE t.status = 'SUCCEEDED' AND t.updated_at >= CURRENT_TIMESTAMP - INTERVAL '7' DAY
                      AND EXISTS (SELECT 1 FROM attempts a WHERE a.task_id = t.id AND a.status = 'FAILED')
                    GROUP BY t.name ORDER BY tasks DESC, t.name""",
            "daily usage per task name this week", """
                    SELECT a.started_on, t.name, COUNT(*) AS attempts, SUM(CASE WHEN a.status = 'FAILED' THEN 1 ELSE 0 END) AS failed,
                           SUM(a.fuel_consumed) AS fuel, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY a.duration_ms) AS duration_p50_ms,
                           PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY a.duration_ms) AS duration_p95_ms
                    FROM attempts a JOIN tasks t ON t.id = a.task_id
                    WHERE a.finished_at IS NOT NULL AND a.started_on >= CURRENT_DATE - INTERVAL '7' DAY
                    GROUP BY a.started_on, t.name ORDER BY a.started_on DESC, fuel DESC NULLS LAST""",
            "failures per day and error type this week", """
                    SELECT a.started_on, t.name, a.error_type, COUNT(*) AS failures, MAX(a.error_message) AS sample_message
                    FROM attempts a JOIN tasks t ON t.id = a.task_id
                    WHERE a.status = 'FAILED' AND a.started_on >= CURRENT_DATE - INTERVAL '7' DAY
                    GROUP BY a.started_on, t.name, a.error_type ORDER BY a.started_on DESC, failures DESC""");

    /** Time to claim one due task, each claimed task then finished through the store's own writes. */
    private static Sample claim(Journal journal, int n) {
        byte[] module = "\0asm-claim-bench".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < n; i++) {
            journal.tasks().create(new NewTask(UUID.randomUUID().toString(), "claim-bench", null, ModuleStore.sha256(module), 0, "{\"args\":[]}"), module);
        }
        List<Claim> claimed = new ArrayList<>();
        Sample sample = Sample.repeat(n, () -> claimed.addAll(journal.tasks().claimDue("bench-node", 1)));
        for (Claim c : claimed) {
            journal.tasks().finishAttempt(c.taskId(), c.attemptNo(), AttemptOutcome.succeeded(1, 1L, 1L, 0, "1"), false, "succeeded");
        }
        return sample;
    }

    /** The CLI as users run it: a whole JVM per command. */
    private static void cli(JournalConfig config, String cliUrl, Path work, String id) throws Exception {
        String url = cliUrl != null ? cliUrl : config.jdbcUrl();
        for (String command : new String[] {"status", "history"}) {
            long[] micros = new long[7];
            for (int i = 0; i < micros.length; i++) {
                long t = System.nanoTime();
                Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                        "run.capsule.engine.cli.CapsuleCli", "--db", url, command, id).directory(work.toFile())
                        .redirectErrorStream(true).redirectOutput(work.resolve("cli.out").toFile()).start();
                int code = p.waitFor();
                micros[i] = (System.nanoTime() - t) / 1000;
                if (code != 0) {
                    System.out.println("cli " + command + " exited " + code + ": " + Files.readString(work.resolve("cli.out")).strip());
                }
            }
            System.out.println("cli capsule " + command + " (whole process, 7 runs): " + new Sample(micros));
        }
    }

    private static void prune(Journal journal) throws Exception {
        OffsetDateTime cutoff = journal.nodes().databaseNow().minusDays(SPAN_DAYS / 10);
        List<String> probeIds = journal.dsl().fetch("SELECT id FROM tasks WHERE created_at > " + TS + " ORDER BY id LIMIT 50", cutoff.plusDays(1))
                .getValues(0, String.class);
        AtomicBoolean done = new AtomicBoolean();
        List<Long> probes = new ArrayList<>();
        Thread probe = new Thread(() -> {
            int i = 0;
            while (!done.get()) {
                long t = System.nanoTime();
                journal.tasks().find(probeIds.get(i++ % probeIds.size()));
                journal.dsl().fetch("SELECT id, name, status FROM tasks ORDER BY created_at DESC, id DESC LIMIT 50");
                probes.add((System.nanoTime() - t) / 1000);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        System.out.printf("%n== prune of trees finished before %s, load average %s%n", cutoff, loadAverage());
        probe.start();
        PruneReport report = journal.pruning().prune(new PruneCriteria(cutoff, false, false, "bench", PruneCriteria.DEFAULT_BATCH_TASKS), java.util.Set.of(), () -> false);
        done.set(true);
        probe.join();
        long left = journal.dsl().fetchCount(run.capsule.store.jooq.Tables.TASKS);
        System.out.printf("prune: %s, deleted %s in %.0f s (%.0f tasks/s); %d tasks left; trees skipped %d%n", report.outcome(), report.deleted(),
                report.elapsed().toMillis() / 1000.0, report.deleted().tasks() / Math.max(0.001, report.elapsed().toMillis() / 1000.0), left,
                report.treesSkipped());
        System.out.println("meanwhile, status + recent page (every 50 ms): " + new Sample(probes.stream().mapToLong(Long::longValue).toArray()));
    }

    /** Task ids spread over the whole span: the first id at or after a random point in time (ids are UUID v7). */
    private static List<String> sampleIds(Journal journal, int n) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        long end = System.currentTimeMillis();
        long start = end - SPAN_DAYS * 86_400_000L;
        List<String> ids = new ArrayList<>();
        while (ids.size() < n) {
            long millis = start + (long) (random.nextDouble() * (end - start));
            String from = String.format("%08x-%04x", millis >>> 16, millis & 0xffff);
            journal.dsl().fetch("SELECT id FROM tasks WHERE id >= ? ORDER BY id LIMIT 1", from).getValues(0, String.class).forEach(ids::add);
        }
        return ids;
    }

    private static Map<String, String> documentedQueries(Path doc) throws Exception {
        String text = Files.readString(doc);
        int from = text.indexOf("## Questions answered in SQL");
        String section = text.substring(from, text.indexOf("\n## ", from + 10));
        Map<String, String> queries = new java.util.LinkedHashMap<>();
        Matcher m = SQL_BLOCK.matcher(section);
        while (m.find()) {
            queries.put(m.group(1), m.group(2).strip());
        }
        return queries;
    }

    private static void printSizes(Journal journal, Path work, long tasks) throws Exception {
        long bytes;
        if (journal.config().isH2()) {
            journal.dsl().execute("CHECKPOINT SYNC");
            try (var files = Files.list(work.resolve("h2"))) {
                bytes = files.filter(f -> f.toString().endsWith(".mv.db")).mapToLong(f -> f.toFile().length()).sum();
            }
        } else {
            bytes = ((Number) journal.dsl().fetchValue("SELECT pg_database_size(current_database())")).longValue();
        }
        Map<String, Integer> rows = new java.util.LinkedHashMap<>();
        long used = 0;
        for (String table : new String[] {"tasks", "attempts", "task_events", "steps", "host_requests"}) {
            rows.put(table, journal.dsl().fetchCount(journal.dsl().selectFrom(table)));
            used += ((Number) journal.dsl().fetchValue(journal.config().isH2() ? "SELECT DISK_SPACE_USED('" + table + "')"
                    : "SELECT pg_total_relation_size('" + table + "')")).longValue();
        }
        System.out.printf("rows %s; database file(s) %.1f MB (%.0f bytes per task); the five tables with their indexes %.1f MB (%.0f bytes per task)%n",
                rows, bytes / 1e6, (double) bytes / tasks, used / 1e6, (double) used / tasks);
    }

    /** H2 keeps old chunks of its file for a while; SHUTDOWN COMPACT rewrites it to what the data needs. */
    private static void compactedSize(JournalConfig config, Path work, long tasks) throws Exception {
        try (var c = java.sql.DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password()); var s = c.createStatement()) {
            s.execute("SHUTDOWN COMPACT");
        }
        try (var files = Files.list(work.resolve("h2"))) {
            long bytes = files.filter(f -> f.toString().endsWith(".mv.db")).mapToLong(f -> f.toFile().length()).sum();
            System.out.printf("H2 file after SHUTDOWN COMPACT: %.1f MB (%.0f bytes per task)%n", bytes / 1e6, (double) bytes / tasks);
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }

    /** Latencies in microseconds. */
    record Sample(long[] micros) {
        static <T> Sample of(List<T> items, java.util.function.Consumer<T> action) {
            long[] m = new long[items.size()];
            for (int i = 0; i < m.length; i++) {
                long t = System.nanoTime();
                action.accept(items.get(i));
                m[i] = (System.nanoTime() - t) / 1000;
            }
            return new Sample(m);
        }

        static Sample repeat(int n, Runnable action) {
            return repeat(n, () -> {
                action.run();
                return null;
            });
        }

        static Sample repeat(int n, Supplier<?> action) {
            long[] m = new long[n];
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                action.get();
                m[i] = (System.nanoTime() - t) / 1000;
            }
            return new Sample(m);
        }

        private long rank(int percent) {
            long[] sorted = micros.clone();
            Arrays.sort(sorted);
            return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(percent / 100.0 * sorted.length) - 1))];
        }

        @Override
        public String toString() {
            return String.format("n %d, p50 %.1f ms, p95 %.1f ms, max %.1f ms", micros.length, rank(50) / 1000.0, rank(95) / 1000.0, rank(100) / 1000.0);
        }
    }
}
