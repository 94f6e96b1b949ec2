package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static run.capsule.store.jooq.Tables.NODES;

/**
 * Engine nodes and their heartbeats, timed by the database clock so nodes on different hosts agree. A heartbeat never
 * brings back a node that was declared LOST or STOPPED: the node learns it from the status the heartbeat returns and
 * must {@link #rejoin} (docs/operations.md).
 */
public final class NodeRegistry {
    private static final List<String> LIVE = List.of(NodeStatus.ALIVE.name(), NodeStatus.DRAINING.name());
    private final DSLContext dsl;

    NodeRegistry(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Registers (or re-registers) a node as ALIVE with a fresh heartbeat. */
    public void register(String nodeId, int runners) {
        register(NodeRegistration.of(nodeId, runners));
    }

    /** Registers (or re-registers) a node as ALIVE with a fresh heartbeat, its host, pid and version. */
    public void register(NodeRegistration node) {
        Map<Field<?>, Object> alive = new LinkedHashMap<>();
        alive.put(NODES.STATUS, NodeStatus.ALIVE.name());
        alive.put(NODES.RUNNERS, node.runners());
        alive.put(NODES.RUNNERS_BUSY, 0);
        alive.put(NODES.HOST, node.host());
        alive.put(NODES.PID, node.pid());
        alive.put(NODES.VERSION, node.version());
        alive.put(NODES.STARTED_AT, DSL.currentOffsetDateTime());
        alive.put(NODES.HEARTBEAT_AT, DSL.currentOffsetDateTime());
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            int updated = tx.update(NODES).set(alive).setNull(NODES.STOPPED_AT).setNull(NODES.DRAIN_REQUESTED_AT)
                    .where(NODES.ID.eq(node.nodeId()))
                    .execute();
            if (updated == 0) {
                tx.insertInto(NODES).set(NODES.ID, node.nodeId()).set(alive).execute();
            }
        });
    }

    /**
     * Renews the lease of an ALIVE or DRAINING node and records how many runners are busy. Returns the node's status:
     * ALIVE or DRAINING when renewed; LOST or STOPPED when it was not (the row is left as it is, so a node whose
     * attempts were recovered is not silently resurrected); empty when the node is not registered at all.
     */
    public Optional<NodeStatus> heartbeat(String nodeId, int runnersBusy) {
        dsl.update(NODES)
                .set(NODES.HEARTBEAT_AT, DSL.currentOffsetDateTime())
                .set(NODES.RUNNERS_BUSY, runnersBusy)
                .where(NODES.ID.eq(nodeId))
                .and(NODES.STATUS.in(LIVE))
                .execute();
        return status(nodeId);
    }

    public Optional<NodeStatus> status(String nodeId) {
        return dsl.select(NODES.STATUS).from(NODES).where(NODES.ID.eq(nodeId)).fetchOptional(NODES.STATUS).map(NodeStatus::valueOf);
    }

    /** A LOST node that still runs takes its place again as ALIVE; false when it was not LOST (nothing changed). */
    public boolean rejoin(String nodeId) {
        return dsl.update(NODES)
                .set(NODES.STATUS, NodeStatus.ALIVE.name())
                .set(NODES.HEARTBEAT_AT, DSL.currentOffsetDateTime())
                .where(NODES.ID.eq(nodeId))
                .and(NODES.STATUS.eq(NodeStatus.LOST.name()))
                .execute() == 1;
    }

    /** Asks an ALIVE node to drain: it stops claiming, finishes or hands back its attempts, and stops. */
    public DrainOutcome requestDrain(String nodeId) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            int changed = tx.update(NODES)
                    .set(NODES.STATUS, NodeStatus.DRAINING.name())
                    .set(NODES.DRAIN_REQUESTED_AT, DSL.currentOffsetDateTime())
                    .where(NODES.ID.eq(nodeId))
                    .and(NODES.STATUS.eq(NodeStatus.ALIVE.name()))
                    .execute();
            if (changed == 1) {
                return DrainOutcome.REQUESTED;
            }
            Optional<NodeStatus> now = DSL.using(cfg).select(NODES.STATUS).from(NODES).where(NODES.ID.eq(nodeId))
                    .fetchOptional(NODES.STATUS).map(NodeStatus::valueOf);
            if (now.isEmpty()) {
                return DrainOutcome.NOT_FOUND;
            }
            return now.get() == NodeStatus.DRAINING ? DrainOutcome.ALREADY_DRAINING : DrainOutcome.NOT_RUNNING;
        });
    }

    public void stopped(String nodeId) {
        dsl.update(NODES)
                .set(NODES.STATUS, NodeStatus.STOPPED.name())
                .set(NODES.RUNNERS_BUSY, 0)
                .set(NODES.STOPPED_AT, DSL.currentOffsetDateTime())
                .where(NODES.ID.eq(nodeId))
                .execute();
    }

    /** Every registered node, live ones first, then by id; heartbeat ages on the database clock. */
    public List<NodeRow> list() {
        OffsetDateTime now = databaseNow();
        return dsl.selectFrom(NODES).orderBy(DSL.when(NODES.STATUS.in(LIVE), 0).otherwise(1), NODES.ID)
                .fetch(r -> toRow(r, now));
    }

    public Optional<NodeRow> find(String nodeId) {
        OffsetDateTime now = databaseNow();
        return dsl.selectFrom(NODES).where(NODES.ID.eq(nodeId)).fetchOptional(r -> toRow(r, now));
    }

    private static NodeRow toRow(Record r, OffsetDateTime now) {
        OffsetDateTime heartbeat = r.get(NODES.HEARTBEAT_AT);
        return new NodeRow(r.get(NODES.ID), NodeStatus.valueOf(r.get(NODES.STATUS)), r.get(NODES.HOST), r.get(NODES.PID), r.get(NODES.VERSION),
                r.get(NODES.RUNNERS), r.get(NODES.RUNNERS_BUSY), r.get(NODES.STARTED_AT), heartbeat,
                Duration.between(heartbeat, now).isNegative() ? Duration.ZERO : Duration.between(heartbeat, now),
                r.get(NODES.STOPPED_AT), r.get(NODES.DRAIN_REQUESTED_AT));
    }

    /** ALIVE or DRAINING nodes (other than {@code self}) whose last heartbeat is older than {@code lease}. */
    public List<String> lapsed(String self, Duration lease) {
        OffsetDateTime now = databaseNow();
        return dsl.select(NODES.ID).from(NODES)
                .where(NODES.STATUS.in(LIVE))
                .and(NODES.ID.ne(self))
                .and(NODES.HEARTBEAT_AT.lt(now.minus(lease)))
                .fetch(NODES.ID);
    }

    /** Marks a lapsed node LOST, unless it heartbeated in the meantime; true when this call did it. */
    public boolean markLost(String nodeId, Duration lease) {
        OffsetDateTime now = databaseNow();
        return dsl.update(NODES)
                .set(NODES.STATUS, NodeStatus.LOST.name())
                .where(NODES.ID.eq(nodeId))
                .and(NODES.STATUS.in(LIVE))
                .and(NODES.HEARTBEAT_AT.lt(now.minus(lease)))
                .execute() == 1;
    }

    /** Forgets nodes that stopped or were lost more than {@code age} ago; attempts keep their node ids. */
    public int pruneGone(Duration age) {
        OffsetDateTime cutoff = databaseNow().minus(age);
        return dsl.deleteFrom(NODES)
                .where(NODES.STATUS.in(NodeStatus.STOPPED.name(), NodeStatus.LOST.name()))
                .and(NODES.HEARTBEAT_AT.lt(cutoff))
                .execute();
    }

    public OffsetDateTime databaseNow() {
        return dsl.select(DSL.currentOffsetDateTime()).fetchOne(0, OffsetDateTime.class);
    }
}
