package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import static run.capsule.store.jooq.Tables.NODES;

/** Engine nodes and their heartbeats, timed by the database clock so nodes on different hosts agree. */
public final class NodeRegistry {
    private final DSLContext dsl;

    NodeRegistry(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Registers (or re-registers) a node as ALIVE with a fresh heartbeat. */
    public void register(String nodeId, int runners) {
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            int updated = tx.update(NODES)
                    .set(NODES.STATUS, "ALIVE")
                    .set(NODES.RUNNERS, runners)
                    .set(NODES.STARTED_AT, DSL.currentOffsetDateTime())
                    .set(NODES.HEARTBEAT_AT, DSL.currentOffsetDateTime())
                    .setNull(NODES.STOPPED_AT)
                    .where(NODES.ID.eq(nodeId))
                    .execute();
            if (updated == 0) {
                tx.insertInto(NODES)
                        .set(NODES.ID, nodeId)
                        .set(NODES.STATUS, "ALIVE")
                        .set(NODES.RUNNERS, runners)
                        .set(NODES.STARTED_AT, DSL.currentOffsetDateTime())
                        .set(NODES.HEARTBEAT_AT, DSL.currentOffsetDateTime())
                        .execute();
            }
        });
    }

    public void heartbeat(String nodeId) {
        dsl.update(NODES)
                .set(NODES.HEARTBEAT_AT, DSL.currentOffsetDateTime())
                .set(NODES.STATUS, "ALIVE")
                .where(NODES.ID.eq(nodeId))
                .execute();
    }

    public void stopped(String nodeId) {
        dsl.update(NODES)
                .set(NODES.STATUS, "STOPPED")
                .set(NODES.STOPPED_AT, DSL.currentOffsetDateTime())
                .where(NODES.ID.eq(nodeId))
                .execute();
    }

    /** ALIVE nodes (other than {@code self}) whose last heartbeat is older than {@code lease}. */
    public List<String> lapsed(String self, Duration lease) {
        OffsetDateTime now = databaseNow();
        return dsl.select(NODES.ID).from(NODES)
                .where(NODES.STATUS.eq("ALIVE"))
                .and(NODES.ID.ne(self))
                .and(NODES.HEARTBEAT_AT.lt(now.minus(lease)))
                .fetch(NODES.ID);
    }

    /** Marks a lapsed node LOST, unless it heartbeated in the meantime; true when this call did it. */
    public boolean markLost(String nodeId, Duration lease) {
        OffsetDateTime now = databaseNow();
        return dsl.update(NODES)
                .set(NODES.STATUS, "LOST")
                .where(NODES.ID.eq(nodeId))
                .and(NODES.STATUS.eq("ALIVE"))
                .and(NODES.HEARTBEAT_AT.lt(now.minus(lease)))
                .execute() == 1;
    }

    /** Forgets nodes that stopped or were lost more than {@code age} ago; attempts keep their node ids. */
    public int pruneGone(Duration age) {
        OffsetDateTime cutoff = databaseNow().minus(age);
        return dsl.deleteFrom(NODES)
                .where(NODES.STATUS.in("STOPPED", "LOST"))
                .and(NODES.HEARTBEAT_AT.lt(cutoff))
                .execute();
    }

    public OffsetDateTime databaseNow() {
        return dsl.select(DSL.currentOffsetDateTime()).fetchOne(0, OffsetDateTime.class);
    }
}
