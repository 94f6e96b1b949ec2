package run.capsule.bench;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerBuilder;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import run.capsule.store.JournalConfig;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

/**
 * db-scheduler (a plain job scheduler on the same database) draining one-time tasks that each burn the CPU of one
 * hello attempt, polling with lock-and-fetch on PostgreSQL (fetch, then lock on execute, on H2): the reference the engine's drain is compared with (issues 15 and 16).
 * Its table lives beside the journal's, in the same H2 file or PostgreSQL database.
 */
final class DbSchedulerRate {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private DbSchedulerRate() {
    }

    /** Executions per second of {@code tasks} queued one-time tasks of {@code burnNanos} CPU each, on {@code threads} threads. */
    static double measure(JournalConfig journal, int tasks, int threads, long burnNanos) throws Exception {
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(journal.jdbcUrl());
        pool.setUsername(journal.user());
        pool.setPassword(journal.password());
        pool.setMaximumPoolSize(threads + 2);
        try (HikariDataSource data = new HikariDataSource(pool)) {
            createTable(data, journal.isH2());
            OneTimeTask<Void> burn = Tasks.oneTime("burn").execute((instance, context) -> burn(burnNanos));
            SchedulerBuilder builder = Scheduler.create(data, burn).threads(threads).pollingInterval(Duration.ofMillis(50));
            // db-scheduler supports lock-and-fetch (one SELECT ... FOR UPDATE SKIP LOCKED) on PostgreSQL, not on H2
            Scheduler scheduler = (journal.isH2() ? builder.pollUsingFetchAndLockOnExecute(0.5, 1.0) : builder.pollUsingLockAndFetch(0.5, 1.0)).build();
            Instant now = Instant.now();
            for (int i = 0; i < tasks; i++) {
                scheduler.schedule(burn.instance("t" + i), now);
            }
            long start = System.nanoTime();
            scheduler.start();
            while (remaining(data) > 0) {
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            scheduler.stop();
            return tasks / seconds;
        }
    }

    private static void burn(long nanos) {
        long until = CPU.getCurrentThreadCpuTime() + nanos;
        long x = 0;
        while (CPU.getCurrentThreadCpuTime() < until) {
            for (int i = 0; i < 1000; i++) {
                x += i * 31L ^ x;
            }
        }
        if (x == 42) {
            System.out.print("");
        }
    }

    /** db-scheduler's table (its documented columns), for H2 or PostgreSQL. */
    private static void createTable(HikariDataSource data, boolean h2) throws Exception {
        String bytes = h2 ? "VARBINARY" : "BYTEA";
        try (Connection c = data.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS scheduled_tasks");
            s.execute("CREATE TABLE scheduled_tasks (task_name VARCHAR(100) NOT NULL, task_instance VARCHAR(100) NOT NULL, task_data " + bytes
                    + ", execution_time TIMESTAMP WITH TIME ZONE NOT NULL, picked BOOLEAN NOT NULL, picked_by VARCHAR(50),"
                    + " last_success TIMESTAMP WITH TIME ZONE, last_failure TIMESTAMP WITH TIME ZONE, consecutive_failures INT,"
                    + " last_heartbeat TIMESTAMP WITH TIME ZONE, version BIGINT NOT NULL, priority SMALLINT,"
                    + " PRIMARY KEY (task_name, task_instance))");
            s.execute("CREATE INDEX scheduled_tasks_execution_time_idx ON scheduled_tasks (execution_time)");
            s.execute("CREATE INDEX scheduled_tasks_last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
        }
    }

    private static long remaining(HikariDataSource data) throws Exception {
        try (Connection c = data.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM scheduled_tasks")) {
            r.next();
            return r.getLong(1);
        }
    }
}
