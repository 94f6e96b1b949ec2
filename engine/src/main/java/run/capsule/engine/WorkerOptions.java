package run.capsule.engine;

import java.time.Duration;

/**
 * How a worker behaves: how often it polls for due tasks when nothing wakes it, how long a stop waits for
 * running attempts before handing them back, and how often the sweep looks for retries whose timer was lost.
 */
public record WorkerOptions(Duration pollInterval, Duration drainTimeout, Duration sweepInterval, Duration sweepTolerance) {
    public static final WorkerOptions DEFAULT = new WorkerOptions(Duration.ofMillis(500), Duration.ofSeconds(30),
            Duration.ofSeconds(5), Duration.ofSeconds(2));

    public WorkerOptions withDrainTimeout(Duration d) {
        return new WorkerOptions(pollInterval, d, sweepInterval, sweepTolerance);
    }

    public WorkerOptions withPollInterval(Duration d) {
        return new WorkerOptions(d, drainTimeout, sweepInterval, sweepTolerance);
    }
}
