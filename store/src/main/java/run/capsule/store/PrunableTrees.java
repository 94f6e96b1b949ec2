package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.Record3;
import org.jooq.Select;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
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
        return rootsQuery(status, after, limit).fetch();
    }

    /**
     * The select of {@link #roots}. Ordered by the whole index (status first, though it is fixed) and with the cursor as
     * a row comparison, so that H2 reads {@code tasks_status_updated_idx} in order and stops at the limit; with
     * {@code ORDER BY updated_at, id} and the cursor spelt as an OR, H2 chose {@code tasks_parent_id_idx} for
     * {@code parent_id IS NULL} and read and sorted every remaining root for each batch (docs/performance.md: a prune
     * of a million-task H2 journal slowed to 45 tasks/s).
     */
    Select<Record3<String, OffsetDateTime, String>> rootsQuery(String status, Cursor after, int limit) {
        var query = dsl.select(TASKS.ID, TASKS.UPDATED_AT, TASKS.MODULE_SHA256).from(TASKS)
                .where(TASKS.STATUS.eq(status))
                .and(TASKS.UPDATED_AT.lt(criteria.finishedBefore()))
                .and(TASKS.PARENT_ID.isNull());
        if (after != null) {
            query = query.and(DSL.row(TASKS.UPDATED_AT, TASKS.ID).gt(after.updatedAt(), after.id()));
        }
        return query.orderBy(TASKS.STATUS, TASKS.UPDATED_AT, TASKS.ID).limit(limit);
    }

    /**
     * The whole tree of each root, in the roots' order, or null for a root whose tree may not be pruned. The trees are
     * walked together, one query per level and 500 parents, not one per root.
     */
    List<Tree> trees(List<Record3<String, OffsetDateTime, String>> roots) {
        Map<String, Integer> treeOf = new HashMap<>();
        Map<String, Integer> depthOf = new HashMap<>();
        List<List<List<String>>> levels = new ArrayList<>();
        List<Set<String>> modules = new ArrayList<>();
        boolean[] refused = new boolean[roots.size()];
        List<String> level = new ArrayList<>();
        for (int i = 0; i < roots.size(); i++) {
            String id = roots.get(i).value1();
            treeOf.put(id, i);
            depthOf.put(id, 0);
            levels.add(new ArrayList<>(List.of(new ArrayList<>(List.of(id)))));
            modules.add(new HashSet<>(List.of(roots.get(i).value3())));
            level.add(id);
        }
        while (!level.isEmpty()) {
            List<String> next = new ArrayList<>();
            for (int from = 0; from < level.size(); from += IN_LIST) {
                var children = dsl.select(TASKS.ID, TASKS.STATUS, TASKS.UPDATED_AT, TASKS.MODULE_SHA256, TASKS.PARENT_ID).from(TASKS)
                        .where(TASKS.PARENT_ID.in(level.subList(from, Math.min(level.size(), from + IN_LIST))))
                        .fetch();
                for (var child : children) {
                    int tree = treeOf.get(child.value5());
                    if (treeOf.putIfAbsent(child.value1(), tree) != null) {
                        continue;
                    }
                    if (!statuses().contains(child.value2()) || !child.value3().isBefore(criteria.finishedBefore())) {
                        refused[tree] = true;
                    }
                    List<List<String>> treeLevels = levels.get(tree);
                    int depth = depthOf.get(child.value5()) + 1;
                    depthOf.put(child.value1(), depth);
                    if (treeLevels.size() == depth) {
                        treeLevels.add(new ArrayList<>());
                    }
                    treeLevels.get(depth).add(child.value1());
                    modules.get(tree).add(child.value4());
                    next.add(child.value1());
                }
            }
            level = next;
        }
        List<Tree> trees = new ArrayList<>();
        for (int i = 0; i < roots.size(); i++) {
            trees.add(refused[i] ? null : new Tree(levels.get(i), modules.get(i)));
        }
        return trees;
    }
}
