package run.capsule.service.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.engine.CapsuleClient;
import run.capsule.service.http.Exchange;
import run.capsule.service.http.Json;
import run.capsule.store.JournalStats;
import run.capsule.store.NodeStatus;

/** {@code GET /api/v1/stats}: counts by status, throughput over the last hour, queue depth, nodes and their runners. */
public final class StatsRoutes {
    private final CapsuleClient client;

    public StatsRoutes(CapsuleClient client) {
        this.client = client;
    }

    public void stats(Exchange exchange) throws Exception {
        JournalStats.Snapshot s = client.stats();
        ObjectNode body = Json.object();
        ObjectNode counts = body.putObject("counts");
        s.counts().forEach((status, n) -> counts.put(status.name(), n));
        counts.put("RETRYING", s.retrying());
        body.put("queue_depth", s.queueDepth());
        ArrayNode minutes = body.putArray("throughput");
        s.lastHour().forEach(m -> minutes.addObject().put("minute", Json.time(m.minute())).put("succeeded", m.succeeded())
                .put("failed", m.failed()).put("cancelled", m.cancelled()));
        ArrayNode nodes = body.putArray("nodes");
        int live = 0;
        for (JournalStats.NodeLoad n : s.nodes()) {
            nodes.addObject().put("id", n.id()).put("status", n.status()).put("runners", n.runners()).put("busy", n.busy())
                    .put("idle", Math.max(0, n.runners() - n.busy())).put("started_at", Json.time(n.startedAt()))
                    .put("heartbeat_at", Json.time(n.heartbeatAt()));
            if (NodeStatus.valueOf(n.status()).isLive()) {
                live++;
            }
        }
        body.put("live_nodes", live);
        exchange.json(200, body);
    }
}
