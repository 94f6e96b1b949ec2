package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.Record3;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static run.capsule.store.jooq.Tables.TASKS;

/**
 * Finds prunable task trees: roots (no parent) that finished before the cutoff, walked in (updated_at, id) order from a
 * cursor, each kept only when every descendant is finished, changed before the cutoff and, with keep-failed, not FAILED.
 */
final class PrunableTrees {
    private static final List<String> FINAL = List.of(TaskStatus.SUCCEEDED.name(), TaskStatus.FAILED.name(), TaskStatus.CANCELLED.name());
    private static final int IN_LIST = 500;

    /** A tree's task ids by depth (index 0: the root), and its modules. */
    record Tree(List<List<String>> levels, Set<String> modules) {
        int size() {
            return levels.stream().mapToInt(List::size).sum();
        }
    }

    /** Where the walk over roots stands: the last root seen. */
    record Cursor(OffsetDateTime updatedAt, String id) {
    }

    private final DSLContext dsl;
    private final PruneCriteria criteria;

    PrunableTrees(DSLContext dsl, PruneCriteria criteria) {
        this.dsl = dsl;
        this.criteria = criteria;
    }

    /** The statuses a pruned task may have. */
    List<String> statuses() {
        return criteria.keepFailed() ? List.of(TaskStatus.SUCCEEDED.name(), TaskStatus.CANCELLED.name()) : FINAL;
    }

    /**
     * The next roots of one status after the cursor (at most {@code limit}), oldest first: one status at a time, so the
     * walk reads {@code tasks_status_updated_idx} in order.
     */
    List<Record3<String, OffsetDateTime, String>> roots(String status, Cursor after, int limit) {
        var query = dsl.select(TASKS.ID, TASKS.UPDATED_AT, TASKS.MODULE_SHA256).from(TASKS)
                .where(TASKS.STATUS.eq(status))
                .and(TASKS.UPDATED_AT.lt(criteria.finishedBefore()))
                .and(TASKS.PARENT_ID.isNull());
        if (after != null) {
            query = query.and(TASKS.UPDATED_AT.gt(after.updatedAt())
                    .or(TASKS.UPDATED_AT.eq(after.updatedAt()).and(TASKS.ID.gt(after.id()))));
        }
        return query.orderBy(TASKS.UPDATED_AT, TASKS.ID).limit(limit).fetch();
    }

    /** The root's whole tree when all of it may be pruned, else null. */
    Tree tree(String rootId, String rootModule) {
        List<List<String>> levels = new ArrayList<>();
        Set<String> modules = new HashSet<>(List.of(rootModule));
        Set<String> seen = new HashSet<>(List.of(rootId));
        List<String> level = List.of(rootId);
        while (!level.isEmpty()) {
            levels.add(level);
            List<String> next = new ArrayList<>();
            for (int from = 0; from < level.size(); from += IN_LIST) {
                var children = dsl.select(TASKS.ID, TASKS.STATUS, TASKS.UPDATED_AT, TASKS.MODULE_SHA256).from(TASKS)
                        .where(TASKS.PARENT_ID.in(level.subList(from, Math.min(level.size(), from + IN_LIST))))
                        .fetch();
                for (var child : children) {
                    if (!statuses().contains(child.value2()) || !child.value3().isBefore(criteria.finishedBefore())) {
                        return null;
                    }
                    if (seen.add(child.value1())) {
                        next.add(child.value1());
                        modules.add(child.value4());
                    }
                }
            }
            level = next;
        }
        return new Tree(levels, modules);
    }
}
