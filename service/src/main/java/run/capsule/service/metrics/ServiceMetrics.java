package run.capsule.service.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import run.capsule.engine.Capsule;
import run.capsule.service.http.Exchange;
import run.capsule.store.AttemptRow;
import run.capsule.store.FeedEvent;
import run.capsule.store.TaskStatus;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The Prometheus metrics of {@code /metrics} (docs/api.md). Outcomes and attempt figures come from the journal's events as
 * the event hub takes them, so they count every node's tasks since this server started; the queue depth is read when
 * scraped; runner restarts are this node's.
 */
public final class ServiceMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Capsule capsule;
    private final Timer attemptDuration;
    private final DistributionSummary attemptFuel;

    public ServiceMetrics(Capsule capsule) {
        this.capsule = capsule;
        this.attemptDuration = Timer.builder("capsule.attempt.duration").description("Duration of finished attempts")
                .publishPercentileHistogram().register(registry);
        this.attemptFuel = DistributionSummary.builder("capsule.attempt.fuel").description("Fuel consumed by finished attempts")
                .publishPercentileHistogram().register(registry);
        Gauge.builder("capsule.queue.depth", capsule, Capsule::queueDepth).description("Due PENDING and RETRY_WAIT tasks")
                .register(registry);
        Gauge.builder("capsule.runners", capsule, c -> c.options().runners()).description("Runner processes of this node").register(registry);
        FunctionCounter.builder("capsule.runner.restarts", capsule, Capsule::runnerRestarts)
                .description("Runners of this node that died and were replaced").register(registry);
        for (TaskStatus status : new TaskStatus[] {TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED}) {
            outcome(status);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
    }

    private Counter outcome(TaskStatus status) {
        return Counter.builder("capsule.tasks.finished").tag("outcome", status.name().toLowerCase(Locale.ROOT))
                .description("Tasks that ended, by outcome").register(registry);
    }

    /** Counts an event taken from the journal: a task's end, an attempt's duration and fuel. */
    public void record(FeedEvent event) {
        if (event.toStatus().isFinal()) {
            outcome(event.toStatus()).increment();
        }
        if (event.fromStatus() == TaskStatus.RUNNING && event.attemptNo() != null) {
            Optional<AttemptRow> attempt = capsule.attempts(event.taskId()).stream().filter(a -> a.attemptNo() == event.attemptNo()).findFirst();
            attempt.ifPresent(a -> {
                if (a.durationMs() != null) {
                    attemptDuration.record(Duration.ofMillis(a.durationMs()));
                }
                if (a.fuelConsumed() != null) {
                    attemptFuel.record(a.fuelConsumed());
                }
            });
        }
    }

    public void scrape(Exchange exchange) throws java.io.IOException {
        exchange.send(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape().getBytes(StandardCharsets.UTF_8));
    }
}
