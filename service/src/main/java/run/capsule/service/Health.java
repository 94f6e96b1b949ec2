package run.capsule.service;

import run.capsule.engine.Capsule;
import run.capsule.service.auth.RequestGuard;
import run.capsule.service.http.Exchange;
import run.capsule.service.http.Json;

import java.util.function.BooleanSupplier;

/**
 * {@code /healthz} (the process answers), {@code /readyz} (journal reachable within {@link #JOURNAL_PROBE_BOUND},
 * runners started) and {@code /api/v1/session}.
 */
final class Health {
    /** A readiness probe answers within about this long even while the journal hangs (a pool waits 30 s for a connection). */
    static final java.time.Duration JOURNAL_PROBE_BOUND = java.time.Duration.ofSeconds(2);
    private final BoundedCheck journalReachable;
    private final BooleanSupplier runnersStarted;
    private final RequestGuard guard;

    Health(Capsule capsule, BooleanSupplier runnersStarted, RequestGuard guard) {
        this.journalReachable = new BoundedCheck(capsule::journalReachable, JOURNAL_PROBE_BOUND, "capsule-readyz-journal");
        this.runnersStarted = runnersStarted;
        this.guard = guard;
    }

    void healthz(Exchange exchange) throws java.io.IOException {
        exchange.json(200, Json.object().put("status", "ok"));
    }

    void readyz(Exchange exchange) throws java.io.IOException {
        boolean journal = journalReachable.passes();
        boolean runners = runnersStarted.getAsBoolean();
        exchange.json(journal && runners ? 200 : 503, Json.object().put("ready", journal && runners).put("journal", journal).put("runners", runners));
    }

    void session(Exchange exchange) throws java.io.IOException {
        exchange.json(200, Json.object().put("role", exchange.role().wireName()).put("auth_required", guard.tokensRequired()));
    }
}
