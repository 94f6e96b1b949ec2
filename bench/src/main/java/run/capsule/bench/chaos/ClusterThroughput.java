package run.capsule.bench.chaos;

import run.capsule.bench.ChaosCluster;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.JournalConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

/**
 * Hello tasks drained by 1, 2 and 3 worker processes on one embedded PostgreSQL (fsync and synchronous_commit on, a
 * fresh server per count): tasks/s between the first attempt's start and the last one's end, and what the database did
 * per task ({@code pg_stat_database} commits, rollbacks, blocks; {@code pg_stat_statements} for the claim statement:
 * calls and rows claimed per call — the SKIP LOCKED claim never waits, so contention shows as claims that got fewer
 * rows). Usage: ClusterThroughput [TASKS] [RUNNERS_PER_NODE] [NODE_COUNTS, e.g. 1,2,3]
 */
public final class ClusterThroughput {
    public static void main(String[] args) throws Exception {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int runners = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        String[] counts = (args.length > 2 ? args[2] : "1,2,3").split(",");
        System.out.printf("%5s %7s %8s %10s %10s %12s %12s %12s %14s%n", "nodes", "tasks", "tasks/s", "commits/t", "rollbk/t",
                "blks hit/t", "blks read/t", "claim calls", "rows per claim");
        for (String count : counts) {
            measure(tasks, runners, Integer.parseInt(count.strip()));
        }
    }

    private static void measure(int tasks, int runners, int nodeCount) throws Exception {
        Path work = Files.createTempDirectory("capsule-cluster-throughput");
        ChaosSettings settings = new ChaosSettings(tasks, nodeCount, runners, Duration.ofSeconds(10), Duration.ofSeconds(2), 0, 0, 0, 0,
                Duration.ZERO, Duration.ofMinutes(30));
        try (ChaosPostgres postgres = ChaosPostgres.start(work.resolve("pg"))) {
            JournalConfig journal = JournalConfig.of(postgres.jdbcUrl()).withPoolSize(4);
            try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).nodeId("throughput-client").runners(1).build())) {
                TaskSpec hello = TaskSpec.builder(ChaosCluster.helloModule()).arg("throughput").build();
                for (int i = 0; i < tasks; i++) {
                    client.submit(hello, SubmitOptions.NOW);
                }
            }
            try (Connection db = postgres.connect(); Statement sql = db.createStatement()) {
                sql.execute("create extension if not exists pg_stat_statements");
                sql.execute("select pg_stat_statements_reset()");
                long[] before = databaseStats(sql);
                try (WorkerNodes nodes = new WorkerNodes(postgres.jdbcUrl(), Files.createDirectories(work.resolve("logs")), settings)) {
                    for (int i = 0; i < nodeCount; i++) {
                        nodes.startNode();
                    }
                    while (single(sql, "select count(*) from tasks where status = 'SUCCEEDED'") < tasks) {
                        Thread.sleep(1000); // each poll is a transaction too: about one commit a second
                    }
                }
                Thread.sleep(1000); // PostgreSQL 14 publishes the counters with up to 500 ms delay
                long[] after = databaseStats(sql);
                double seconds = singleDouble(sql, "select extract(epoch from max(finished_at) - min(started_at)) from attempts");
                long claimCalls = 0;
                long claimRows = 0;
                try (ResultSet rs = sql.executeQuery("select sum(calls), sum(rows) from pg_stat_statements where query ilike '%for update skip locked%'")) {
                    if (rs.next()) {
                        claimCalls = rs.getLong(1);
                        claimRows = rs.getLong(2);
                    }
                }
                System.out.printf("%5d %7d %8.0f %10.1f %10.2f %12.0f %12.1f %12d %14.2f%n", nodeCount, tasks, tasks / seconds,
                        (after[0] - before[0]) / (double) tasks, (after[1] - before[1]) / (double) tasks, (after[2] - before[2]) / (double) tasks,
                        (after[3] - before[3]) / (double) tasks, claimCalls, claimCalls == 0 ? 0 : claimRows / (double) claimCalls);
            }
        }
    }

    /** xact_commit, xact_rollback, blks_hit, blks_read of this database. */
    private static long[] databaseStats(Statement sql) throws Exception {
        try (ResultSet rs = sql.executeQuery("select xact_commit, xact_rollback, blks_hit, blks_read from pg_stat_database where datname = current_database()")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)};
        }
    }

    private static long single(Statement sql, String query) throws Exception {
        try (ResultSet rs = sql.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static double singleDouble(Statement sql, String query) throws Exception {
        try (ResultSet rs = sql.executeQuery(query)) {
            rs.next();
            return rs.getDouble(1);
        }
    }
}
