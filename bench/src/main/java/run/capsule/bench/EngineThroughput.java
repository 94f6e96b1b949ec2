package run.capsule.bench;

import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.JournalConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs N hello tasks through the whole engine (journal + runner processes) from C client threads and reports
 * tasks/s and submit-to-result latency. Usage: EngineThroughput MODULE [tasks] [runners] [clients] [jdbcUrl]
 */
public final class EngineThroughput {
    public static void main(String[] args) throws Exception {
        Path module = Path.of(args[0]);
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int runners = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        int clients = args.length > 3 ? Integer.parseInt(args[3]) : runners;
        JournalConfig journal = args.length > 4 ? JournalConfig.of(args[4]).withPoolSize(clients + 2)
                : JournalConfig.embedded(Files.createTempDirectory("capsule-bench")).withPoolSize(clients + 2);

        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().journal(journal).runners(runners).build())) {
            capsule.warmUp(runners);
            run(capsule, module, Math.max(50, tasks / 5), clients);
            long started = System.nanoTime();
            long[] latencies = run(capsule, module, tasks, clients);
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("engine: %d tasks, %d runners, %d clients, journal %s%n", tasks, runners, clients,
                    journal.isH2() ? "H2 file" : "PostgreSQL");
            System.out.printf("engine: %.1f tasks/s; submit-to-result %s%n", tasks / seconds, Percentiles.of(latencies).describeMillis());
        }
    }

    private static long[] run(Capsule capsule, Path module, int tasks, int clients) throws Exception {
        long[] latencies = new long[tasks];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < tasks) {
                    long t0 = System.nanoTime();
                    TaskResult result = capsule.run(TaskSpec.builder(module).arg("bench").build());
                    latencies[i] = (System.nanoTime() - t0) / 1000;
                    if (!result.success()) {
                        if (failures.incrementAndGet() == 1) {
                            System.err.println("first failure: " + result.error().errorType() + ": " + result.error().message());
                        }
                    }
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " tasks failed");
        }
        return latencies;
    }
}
