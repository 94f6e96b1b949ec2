package run.capsule.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.JournalConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One invocation, one machine state: the raw sandbox rate with the same parallelism as the engine's runners, the
 * engine's drain of N queued hello tasks (H2 file, then the embedded PostgreSQL with fsync and synchronous_commit
 * on), the submit rate from one thread, and closed-loop {@code Capsule.run} latency with one client. Must be started
 * with {@code -Djava.library.path=<cache>/native/0.19.0-linux-x86_64} (bench/side-by-side.sh does).
 * Usage: SideBySide MODULE [tasks] [runners] [latencyRuns] [h2|postgres|both]
 */
public final class SideBySide {
    public static void main(String[] args) throws Exception {
        Path module = Path.of(args[0]).toAbsolutePath();
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        int runners = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int latencyRuns = args.length > 3 ? Integer.parseInt(args[3]) : 500;
        String databases = args.length > 4 ? args[4] : "both";
        Path work = Files.createTempDirectory("capsule-side-by-side");

        double raw = ParallelSandboxRate.measure(module, runners, 2000);
        System.out.printf("raw sandbox, %d threads (one sandbox each): %.0f runs/s%n", runners, raw);

        if (!databases.equals("postgres")) {
            JournalConfig h2 = JournalConfig.embedded(work.resolve("h2")).withPoolSize(runners + 4);
            report("H2 file", drainAndLatency(module, h2, tasks, runners, latencyRuns), raw);
            reference("H2 file", h2, tasks, runners, raw);
        }
        if (!databases.equals("h2")) {
            try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pg")).setCleanDataDirectory(true)
                    .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on").start()) {
                JournalConfig pg = JournalConfig.of(postgres.getJdbcUrl("postgres", "postgres"))
                        .withCredentials("postgres", "postgres").withPoolSize(runners + 4);
                report("PostgreSQL (fsync=on, synchronous_commit=on)", drainAndLatency(module, pg, tasks, runners, latencyRuns), raw);
                reference("PostgreSQL", pg, tasks, runners, raw);
            }
        }
    }

    /** db-scheduler on the same database (lock-and-fetch on PostgreSQL), as many threads as runners, each task burning the CPU of one sandbox run. */
    private static void reference(String journal, JournalConfig config, int tasks, int runners, double raw) throws Exception {
        long burnNanos = (long) (runners * 1e9 / raw);
        double rate = DbSchedulerRate.measure(config, tasks, runners, burnNanos);
        System.out.printf("%s: db-scheduler 16.7.1 (%d threads, %.2f ms CPU per task): %.0f executions/s%n", journal,
                runners, burnNanos / 1e6, rate);
    }

    /** {@code engineCpuMsPerTask}: this JVM's CPU time (the engine node's) per drained task; less sensitive to a loaded machine than rates. */
    record Figures(int tasks, double submitsPerSecond, double drainPerSecond, double engineCpuMsPerTask, double runnerCpuMsPerTask,
                   Percentiles latency, Percentiles wakeUp, double idleCpuPercent) {
    }

    private static void report(String journal, Figures f, double raw) {
        System.out.printf("%s: submit from one thread %.0f tasks/s; drain of %d queued tasks %.0f tasks/s (%.2f x raw),"
                + " CPU per task: engine %.2f ms, runners %.2f ms; Capsule.run one client %s;"
                + " submit by another client to attempt start %s; idle worker %.2f%% of a core%n", journal, f.submitsPerSecond(), f.tasks(),
                f.drainPerSecond(), f.drainPerSecond() / raw, f.engineCpuMsPerTask(), f.runnerCpuMsPerTask(), f.latency().describeMillis(),
                f.wakeUp().describeMillis(), f.idleCpuPercent());
    }

    private static Figures drainAndLatency(Path module, JournalConfig journal, int tasks, int runners, int latencyRuns) throws Exception {
        CapsuleOptions.Builder options = CapsuleOptions.builder().journal(journal).runners(runners);
        TaskSpec hello = TaskSpec.builder(module).arg("bench").build();
        double submits;
        try (CapsuleClient client = Capsule.openClient(options.nodeId("bench-client").build())) {
            client.submit(hello, SubmitOptions.NOW);
            long t0 = System.nanoTime();
            for (int i = 1; i < tasks; i++) {
                client.submit(hello, SubmitOptions.NOW);
            }
            submits = (tasks - 1) / ((System.nanoTime() - t0) / 1e9);
        }
        try (Capsule capsule = Capsule.open(options.nodeId("bench-node").build())) {
            capsule.warmUp(runners);
            long start = System.nanoTime();
            long engineCpu = processCpuNanos();
            long runnerCpu = runnersCpuNanos(capsule);
            double drain;
            double engineMs;
            double runnerMs;
            try (Worker worker = capsule.startWorker(WorkerOptions.DEFAULT)) {
                while (count(capsule, "select count(*) from tasks where status = 'SUCCEEDED'") < tasks) {
                    Thread.sleep(20);
                }
                drain = tasks / ((System.nanoTime() - start) / 1e9);
                engineMs = (processCpuNanos() - engineCpu) / 1e6 / tasks;
                runnerMs = (runnersCpuNanos(capsule) - runnerCpu) / 1e6 / tasks;
            }
            for (int i = 0; i < Math.max(50, latencyRuns / 5); i++) {
                check(capsule.run(hello));
            }
            long[] latencies = new long[latencyRuns];
            for (int i = 0; i < latencyRuns; i++) {
                long t0 = System.nanoTime();
                check(capsule.run(hello));
                latencies[i] = (System.nanoTime() - t0) / 1000;
            }
            long idleStart = System.nanoTime();
            long idleCpu = processCpuNanos();
            try (Worker idle = capsule.startWorker(WorkerOptions.DEFAULT)) {
                Thread.sleep(5000);
            }
            double idlePercent = 100.0 * (processCpuNanos() - idleCpu) / (System.nanoTime() - idleStart);
            System.out.printf("RSS, idle after the runs: this JVM (harness + engine node) %d MiB; runners %s MiB%n",
                    IdleMemory.rssMiB(ProcessHandle.current().pid()), capsule.runnerPids().stream().map(IdleMemory::rssMiB).toList());
            return new Figures(tasks, submits, drain, engineMs, runnerMs, Percentiles.of(latencies),
                    wakeUps(capsule, options, hello, Math.max(20, latencyRuns / 10)), idlePercent);
        }
    }

    /**
     * A task submitted by a client that is not the worker's node (as {@code capsule submit} beside {@code capsule worker}):
     * from its commit to its attempt's start, by the journal's clock, one at a time at random moments.
     */
    private static Percentiles wakeUps(Capsule node, CapsuleOptions.Builder options, TaskSpec hello, int runs) throws Exception {
        long[] waits = new long[runs];
        java.util.Random random = new java.util.Random(15);
        try (Worker worker = node.startWorker(WorkerOptions.DEFAULT);
             CapsuleClient client = Capsule.openClient(options.nodeId("bench-other-client").build())) {
            for (int i = 0; i < runs; i++) {
                Thread.sleep(50 + random.nextInt(500));
                String id = client.submit(hello, SubmitOptions.NOW).taskId();
                check(client.await(id, java.time.Duration.ofMinutes(1)).orElseThrow());
                waits[i] = java.time.Duration.between(client.task(id).orElseThrow().createdAt(), client.attempts(id).get(0).startedAt())
                        .toNanos() / 1000;
            }
        }
        return Percentiles.of(waits);
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static long runnersCpuNanos(Capsule capsule) {
        return capsule.runnerPids().stream().map(ProcessHandle::of).flatMap(java.util.Optional::stream)
                .mapToLong(p -> p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L)).sum();
    }

    private static void check(TaskResult result) {
        if (!result.success()) {
            throw new IllegalStateException("hello failed: " + result.error().errorType() + ": " + result.error().message());
        }
    }

    static long count(Capsule capsule, String sql) {
        return ((Number) capsule.query(sql, 1).rows().get(0).get(0)).longValue();
    }
}
