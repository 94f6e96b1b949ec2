package run.capsule.bench;

import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * N tasks left unfinished by a killed worker (2 of them RUNNING on a node that stopped heartbeating, the rest
 * PENDING): how long a new worker takes to recover the dead node's attempts, to claim every task, and to
 * finish them all. Usage: RecoveryAfterKill MODULE [tasks] [runners] [jdbcUrl]
 */
public final class RecoveryAfterKill {
    public static void main(String[] args) throws Exception {
        Path module = Path.of(args[0]);
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int runners = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        JournalConfig journal = args.length > 3 ? JournalConfig.of(args[3]) : JournalConfig.embedded(Files.createTempDirectory("capsule-recovery"));
        Duration lease = Duration.ofSeconds(2);
        CapsuleOptions.Builder options = CapsuleOptions.builder().journal(journal.withPoolSize(runners + 4)).runners(runners)
                .heartbeatInterval(Duration.ofMillis(500)).lease(lease);

        try (CapsuleClient client = Capsule.openClient(options.nodeId("client").build())) {
            long t0 = System.nanoTime();
            for (int i = 0; i < tasks; i++) {
                client.submit(TaskSpec.builder(module).arg("t" + i).build(), SubmitOptions.NOW);
            }
            System.out.printf("recovery: submitted %d tasks in %.1f s%n", tasks, (System.nanoTime() - t0) / 1e9);
        }
        // The killed worker: registered, claimed two tasks, then gone without a word (its journal closed, no stop).
        try (Journal killed = Journal.open(journal)) {
            killed.nodes().register("killed-worker", runners);
            killed.tasks().claimDue("killed-worker", 2);
        }
        Thread.sleep(lease.toMillis() + 500);

        try (Capsule fresh = Capsule.open(options.nodeId("new-worker").build())) {
            long start = System.nanoTime();
            fresh.recoverLapsedNodes();
            double recovered = (System.nanoTime() - start) / 1e9;
            try (Worker worker = fresh.startWorker(WorkerOptions.DEFAULT)) {
                double claimed = -1;
                while (true) {
                    long unclaimed = count(fresh, "select count(*) from tasks where attempts = 0 or status = 'PENDING'");
                    if (claimed < 0 && unclaimed == 0) {
                        claimed = (System.nanoTime() - start) / 1e9;
                    }
                    if (count(fresh, "select count(*) from tasks where status = 'SUCCEEDED'") == tasks) {
                        break;
                    }
                    Thread.sleep(50);
                }
                double done = (System.nanoTime() - start) / 1e9;
                System.out.printf("recovery: %d tasks, %d runners, journal %s: dead node's attempts requeued after %.3f s;"
                                + " all claimed after %.1f s; all succeeded after %.1f s (%.0f tasks/s)%n",
                        tasks, runners, journal.isH2() ? "H2 file" : "PostgreSQL", recovered, claimed, done, tasks / done);
            }
        }
    }

    private static long count(Capsule capsule, String sql) {
        return ((Number) capsule.query(sql, 1).rows().get(0).get(0)).longValue();
    }
}
