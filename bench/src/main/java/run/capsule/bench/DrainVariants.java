package run.capsule.bench;

import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.JournalConfig;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Issue 15's H2 drain, several journal variants in one JVM and one machine state: for each variant a fresh H2 file, N
 * hello tasks queued with {@code submitAll}, then a node with R runners (warmed) drains them; prints tasks/s, the
 * engine's CPU per task (this JVM) and the runners', beside the raw sandbox rate with the same parallelism. The
 * variants run in turn, and the whole list {@code rounds} times (interleaved, so a change of load hits all of them).
 * A variant is {@code label|url settings|sql;sql}: settings appended to the embedded URL, statements run on the migrated
 * journal before the drain (e.g. re-creating an index a migration dropped, to measure the schema before it); an optional
 * fourth field sets the variant's number of runners (the raw rate stays measured with {@code runners} threads).
 * Needs {@code -Djava.library.path=<cache>/native/0.19.0-linux-x86_64}.
 * Usage: DrainVariants MODULE tasks runners rounds VARIANT...
 */
public final class DrainVariants {
    record Variant(String label, String urlSettings, List<String> statements, int runners) {
        static Variant parse(String text, int defaultRunners) {
            String[] parts = text.split("\\|", -1);
            List<String> sql = parts.length > 2 && !parts[2].isBlank() ? List.of(parts[2].split(";")) : List.of();
            int runners = parts.length > 3 && !parts[3].isBlank() ? Integer.parseInt(parts[3].trim()) : defaultRunners;
            return new Variant(parts[0], parts.length > 1 ? parts[1] : "", sql, runners);
        }
    }

    public static void main(String[] args) throws Exception {
        Path module = Path.of(args[0]).toAbsolutePath();
        int tasks = Integer.parseInt(args[1]);
        int runners = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        List<Variant> variants = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            variants.add(Variant.parse(args[i], runners));
        }
        System.out.printf("load average %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        double raw = ParallelSandboxRate.measure(module, runners, 2000);
        System.out.printf("raw sandbox, %d threads (one sandbox each): %.0f runs/s%n", runners, raw);
        for (int round = 1; round <= rounds; round++) {
            for (Variant variant : variants) {
                drain(module, variant, tasks, variant.runners(), raw);
            }
        }
        raw = ParallelSandboxRate.measure(module, runners, 2000);
        System.out.printf("raw sandbox again: %.0f runs/s; load average %.2f%n", raw,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static void drain(Path module, Variant variant, int tasks, int runners, double raw) throws Exception {
        Path work = Files.createTempDirectory("capsule-drain-variants");
        JournalConfig embedded = JournalConfig.embedded(work.resolve("h2"));
        JournalConfig journal = new JournalConfig(embedded.jdbcUrl() + variant.urlSettings(), embedded.user(), embedded.password(),
                runners + 4, true);
        CapsuleOptions.Builder options = CapsuleOptions.builder().journal(journal).runners(runners);
        TaskSpec hello = TaskSpec.builder(module).arg("bench").build();
        try (CapsuleClient client = Capsule.openClient(options.nodeId("bench-client").build())) {
            for (int queued = 0; queued < tasks; queued += 1000) {
                client.submitAll(Collections.nCopies(Math.min(1000, tasks - queued), hello), SubmitOptions.NOW);
            }
        }
        try (Connection connection = DriverManager.getConnection(journal.jdbcUrl(), journal.user(), journal.password());
             Statement statement = connection.createStatement()) {
            for (String sql : variant.statements()) {
                statement.execute(sql);
            }
        }
        try (Capsule capsule = Capsule.open(options.nodeId("bench-node").build())) {
            capsule.warmUp(runners);
            long start = System.nanoTime();
            long engineCpu = SideBySide.processCpuNanos();
            long runnerCpu = SideBySide.runnersCpuNanos(capsule);
            try (Worker worker = capsule.startWorker(WorkerOptions.DEFAULT)) {
                while (SideBySide.count(capsule, "select count(*) from tasks where status = 'SUCCEEDED'") < tasks) {
                    Thread.sleep(20);
                }
            }
            double rate = tasks / ((System.nanoTime() - start) / 1e9);
            double engineMs = (SideBySide.processCpuNanos() - engineCpu) / 1e6 / tasks;
            double runnerMs = (SideBySide.runnersCpuNanos(capsule) - runnerCpu) / 1e6 / tasks;
            // a transaction's ends share finished_at (the transaction's timestamp on H2)
            double endsPerCommit = (double) tasks / SideBySide.count(capsule, "select count(distinct finished_at) from attempts");
            System.out.printf("%-24s drain of %d: %6.0f tasks/s (%.2f x raw); CPU per task: engine %.2f ms, runners %.2f ms;"
                            + " %.2f ends per commit; load %.2f%n", variant.label(), tasks, rate, rate / raw, engineMs, runnerMs, endsPerCommit,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
