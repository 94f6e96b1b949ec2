package run.capsule.engine.queue;

import java.time.Duration;

/**
 * How a worker behaves: how often it polls for due tasks when nothing wakes it (a retry timer firing or a submit on the
 * same node wakes it at once), and how long a stop waits for running attempts before handing them back. The poll is how a
 * task submitted by another process is seen: 50 ms, one indexed read-only claim query per poll (docs/performance.md).
 */
public record WorkerOptions(Duration pollInterval, Duration drainTimeout) {
    public static final WorkerOptions DEFAULT = new WorkerOptions(Duration.ofMillis(50), Duration.ofSeconds(30));

    public WorkerOptions withDrainTimeout(Duration d) {
        return new WorkerOptions(pollInterval, d);
    }

    public WorkerOptions withPollInterval(Duration d) {
        return new WorkerOptions(d, drainTimeout);
    }
}
