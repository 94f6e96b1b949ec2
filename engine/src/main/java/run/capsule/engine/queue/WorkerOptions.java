package run.capsule.engine.queue;

import java.time.Duration;

/**
 * How a worker behaves: how often it polls for due tasks when nothing wakes it (a retry timer firing wakes it at once),
 * and how long a stop waits for running attempts before handing them back.
 */
public record WorkerOptions(Duration pollInterval, Duration drainTimeout) {
    public static final WorkerOptions DEFAULT = new WorkerOptions(Duration.ofMillis(500), Duration.ofSeconds(30));

    public WorkerOptions withDrainTimeout(Duration d) {
        return new WorkerOptions(pollInterval, d);
    }

    public WorkerOptions withPollInterval(Duration d) {
        return new WorkerOptions(d, drainTimeout);
    }
}
