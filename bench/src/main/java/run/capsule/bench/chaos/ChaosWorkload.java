package run.capsule.bench.chaos;

import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Submits the chaos run's tasks through the Java API, each with an idempotency key, retrying a submit that failed
 * (the database may be restarting) until it is acknowledged: every acknowledged key must be in the journal at the end.
 */
final class ChaosWorkload {
    /** A task the journal acknowledged. */
    record Submitted(String key, TaskKind kind, String taskId) {
    }

    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(2);
    private final CapsuleClient client;
    private final Map<TaskKind, TaskSpec> specs = new EnumMap<>(TaskKind.class);
    private int submitRetries;

    ChaosWorkload(CapsuleClient client, Path helloModule, Path programDir) throws Exception {
        this.client = client;
        specs.put(TaskKind.HELLO, TaskSpec.builder(helloModule)
                .retryPolicy(RetryPolicy.retries(4).withBackoff(Duration.ofMillis(200), 2, Duration.ofSeconds(2))).build());
        for (TaskKind kind : List.of(TaskKind.FAMILY, TaskKind.FLAKY, TaskKind.SLEEPER, TaskKind.DOOMED)) {
            TaskSpec.Builder spec = TaskSpec.builder(ChaosPrograms.write(programDir, kind));
            if (kind == TaskKind.FLAKY) {
                spec.mount(MountSpec.parse(programDir.resolve("state") + ":rw", programDir)); // what it declares, granted
            }
            specs.put(kind, spec.build());
            client.resolve(spec.build(), Map.of()); // describes the source once: each submit's own resolve is then a cache hit
        }
    }

    /** The task of {@code kind}, unresolved: a Python task's arguments are bound when a submit resolves it. */
    TaskSpec spec(TaskKind kind) {
        return specs.get(kind);
    }

    Submitted submit(int i) throws InterruptedException {
        TaskKind kind = TaskKind.of(i);
        String key = "chaos-" + i;
        TaskSpec spec = specs.get(kind).toBuilder().args(List.of(key)).build();
        long giveUp = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        long backoff = 100;
        while (true) {
            try {
                return new Submitted(key, kind, client.submit(spec, SubmitOptions.NOW.withIdempotencyKey(key)).taskId());
            } catch (RuntimeException e) {
                if (System.nanoTime() > giveUp) {
                    throw e;
                }
                submitRetries++;
                Thread.sleep(backoff);
                backoff = Math.min(2000, backoff * 2);
            }
        }
    }

    List<Submitted> submitAll(int count, Duration spread) throws InterruptedException {
        List<Submitted> out = new ArrayList<>(count);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            out.add(submit(i));
            long due = start + spread.toNanos() * (i + 1) / count;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        return out;
    }

    /** Submits that failed and were tried again (while the database was down). */
    int submitRetries() {
        return submitRetries;
    }
}
