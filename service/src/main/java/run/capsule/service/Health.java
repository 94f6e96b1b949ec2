package run.capsule.service;

import run.capsule.engine.Capsule;
import run.capsule.service.auth.RequestGuard;
import run.capsule.service.http.Exchange;
import run.capsule.service.http.Json;

import java.util.function.BooleanSupplier;

/** {@code /healthz} (the process answers), {@code /readyz} (journal reachable, runners started) and {@code /api/v1/session}. */
final class Health {
    private final Capsule capsule;
    private final BooleanSupplier runnersStarted;
    private final RequestGuard guard;

    Health(Capsule capsule, BooleanSupplier runnersStarted, RequestGuard guard) {
        this.capsule = capsule;
        this.runnersStarted = runnersStarted;
        this.guard = guard;
    }

    void healthz(Exchange exchange) throws java.io.IOException {
        exchange.json(200, Json.object().put("status", "ok"));
    }

    void readyz(Exchange exchange) throws java.io.IOException {
        boolean journal = capsule.journalReachable();
        boolean runners = runnersStarted.getAsBoolean();
        exchange.json(journal && runners ? 200 : 503, Json.object().put("ready", journal && runners).put("journal", journal).put("runners", runners));
    }

    void session(Exchange exchange) throws java.io.IOException {
        exchange.json(200, Json.object().put("role", exchange.role().wireName()).put("auth_required", guard.tokensRequired()));
    }
}
