package run.capsule.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.JournalConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * Tasks queued per second from one thread: {@code submit} one at a time, and {@code submitAll} in batches, on an H2 file
 * and on the embedded PostgreSQL (fsync and synchronous_commit on). Usage: SubmitAllRate MODULE [tasks] [batch]
 */
public final class SubmitAllRate {
    public static void main(String[] args) throws Exception {
        Path module = Path.of(args[0]).toAbsolutePath();
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        Path work = Files.createTempDirectory("capsule-submit-all");
        measure("H2 file", JournalConfig.embedded(work.resolve("h2")), module, tasks, batch);
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pg")).setCleanDataDirectory(true)
                .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on").start()) {
            measure("PostgreSQL", JournalConfig.of(postgres.getJdbcUrl("postgres", "postgres")).withCredentials("postgres", "postgres"),
                    module, tasks, batch);
        }
    }

    private static void measure(String name, JournalConfig journal, Path module, int tasks, int batch) {
        TaskSpec hello = TaskSpec.builder(module).arg("bench").build();
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).nodeId("submit-bench").build())) {
            client.submitAll(Collections.nCopies(batch, hello), SubmitOptions.NOW);
            for (int i = 0; i < 200; i++) {
                client.submit(hello, SubmitOptions.NOW);
            }
            int single = Math.max(500, tasks / 5);
            long t0 = System.nanoTime();
            for (int i = 0; i < single; i++) {
                client.submit(hello, SubmitOptions.NOW);
            }
            double singles = single / ((System.nanoTime() - t0) / 1e9);
            List<TaskSpec> specs = Collections.nCopies(batch, hello);
            long t1 = System.nanoTime();
            for (int done = 0; done < tasks; done += batch) {
                client.submitAll(specs, SubmitOptions.NOW);
            }
            double batched = tasks / ((System.nanoTime() - t1) / 1e9);
            System.out.printf("%s: submit from one thread %.0f tasks/s (%d tasks); submitAll in batches of %d %.0f tasks/s (%d tasks)%n",
                    name, singles, single, batch, batched, tasks);
        }
    }
}
