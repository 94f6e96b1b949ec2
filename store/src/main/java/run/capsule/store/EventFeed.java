package run.capsule.store;

import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.util.List;

import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;

/** Status changes in the order of their ids, for live streams (the service's {@code /events}). Reads only. */
public final class EventFeed {
    private final DSLContext dsl;

    EventFeed(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** The newest event's id, or 0 when there is none. */
    public long latestId() {
        Long max = dsl.select(DSL.max(TASK_EVENTS.ID)).from(TASK_EVENTS).fetchOne(0, Long.class);
        return max == null ? 0 : max;
    }

    /** At most {@code max} events with ids above {@code afterId}, lowest first; only of the tree of {@code rootId} when set. */
    public List<FeedEvent> after(long afterId, int max, String rootId) {
        Condition where = TASK_EVENTS.ID.gt(afterId);
        if (rootId != null) {
            where = where.and(TASKS.ROOT_ID.eq(rootId).or(TASKS.ID.eq(rootId)));
        }
        return dsl.select(TASK_EVENTS.ID, TASK_EVENTS.TASK_ID, TASKS.NAME, TASKS.PARENT_ID, TASKS.ROOT_ID, TASK_EVENTS.ATTEMPT_NO,
                        TASK_EVENTS.AT, TASK_EVENTS.FROM_STATUS, TASK_EVENTS.TO_STATUS, TASK_EVENTS.REASON)
                .from(TASK_EVENTS).join(TASKS).on(TASKS.ID.eq(TASK_EVENTS.TASK_ID))
                .where(where).orderBy(TASK_EVENTS.ID).limit(max)
                .fetch(r -> new FeedEvent(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(), r.value7(),
                        r.value8() == null ? null : TaskStatus.valueOf(r.value8()), TaskStatus.valueOf(r.value9()), r.value10()));
    }
}
