package run.capsule.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.JournalConfig;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Issue 15's goal 2 alone: {@code Capsule.run} of hello from one client, closed loop, on a warm node with one runner,
 * on an H2 file and on the embedded PostgreSQL (fsync and synchronous_commit on); prints p50/p90/p99/max and the
 * node's CPU per run. Needs {@code -Djava.library.path=<cache>/native/0.19.0-linux-x86_64}.
 * Usage: RunLatency MODULE runs [h2|postgres|both]
 */
public final class RunLatency {
    public static void main(String[] args) throws Exception {
        Path module = Path.of(args[0]).toAbsolutePath();
        int runs = Integer.parseInt(args[1]);
        String databases = args.length > 2 ? args[2] : "both";
        Path work = Files.createTempDirectory("capsule-run-latency");
        System.out.printf("load average %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (!databases.equals("postgres")) {
            measure("H2 file", module, JournalConfig.embedded(work.resolve("h2")), runs);
        }
        if (!databases.equals("h2")) {
            try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pg")).setCleanDataDirectory(true)
                    .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on").start()) {
                measure("PostgreSQL", module, JournalConfig.of(postgres.getJdbcUrl("postgres", "postgres"))
                        .withCredentials("postgres", "postgres"), runs);
            }
        }
        System.out.printf("load average %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static void measure(String label, Path module, JournalConfig journal, int runs) throws Exception {
        TaskSpec hello = TaskSpec.builder(module).arg("bench").build();
        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().journal(journal).runners(1).nodeId("latency").build())) {
            capsule.warmUp(1);
            for (int i = 0; i < Math.max(100, runs / 2); i++) {
                check(capsule.run(hello));
            }
            long[] micros = new long[runs];
            long cpu = SideBySide.processCpuNanos();
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                check(capsule.run(hello));
                micros[i] = (System.nanoTime() - t0) / 1000;
            }
            double cpuMs = (SideBySide.processCpuNanos() - cpu) / 1e6 / runs;
            System.out.printf("%-12s Capsule.run x %d: %s; node CPU %.2f ms per run%n", label, runs, Percentiles.of(micros).describeMillis(), cpuMs);
        }
    }

    private static void check(TaskResult result) {
        if (!result.success()) {
            throw new IllegalStateException("hello failed: " + result);
        }
    }
}
