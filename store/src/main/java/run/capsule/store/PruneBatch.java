package run.capsule.store;

import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.impl.DSL;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.CRASHED_MODULES;
import static run.capsule.store.jooq.Tables.HOST_REQUESTS;
import static run.capsule.store.jooq.Tables.MODULES;
import static run.capsule.store.jooq.Tables.ATTEMPT_OUTPUT;
import static run.capsule.store.jooq.Tables.STEPS;
import static run.capsule.store.jooq.Tables.TASK_LABELS;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;
import static run.capsule.store.jooq.Tables.TASK_SECRETS;

/**
 * Deletes (or, in a dry run, counts) whole task trees in one transaction: their host requests, steps, attempts, events
 * and secrets, the tasks deepest first, then the modules no task uses any more. If any task of the batch is no longer
 * finished, nothing of the batch is deleted.
 */
final class PruneBatch {
    private static final int IN_LIST = 500;
    private static final List<String> FINAL = List.of(TaskStatus.SUCCEEDED.name(), TaskStatus.FAILED.name(), TaskStatus.CANCELLED.name());

    static final class ChangedMeanwhile extends RuntimeException {
        ChangedMeanwhile(String message) {
            super(message);
        }
    }

    private final List<PrunableTrees.Tree> trees = new ArrayList<>();

    void add(PrunableTrees.Tree tree) {
        trees.add(tree);
    }

    int size() {
        return trees.stream().mapToInt(PrunableTrees.Tree::size).sum();
    }

    boolean isEmpty() {
        return trees.isEmpty();
    }

    int treeCount() {
        return trees.size();
    }

    void clear() {
        trees.clear();
    }

    PruneCounts count(DSLContext dsl, Set<String> keepModules) {
        List<String> ids = ids();
        long modules = 0;
        for (String sha : candidateModules(keepModules)) {
            boolean usedElsewhere = dsl.fetchExists(dsl.selectOne().from(TASKS).where(TASKS.MODULE_SHA256.eq(sha))
                    .and(TASKS.ID.notIn(ids)));
            boolean crashed = dsl.fetchExists(CRASHED_MODULES, CRASHED_MODULES.SHA256.eq(sha));
            modules += usedElsewhere || crashed ? 0 : 1;
        }
        return new PruneCounts(ids.size(), countIn(dsl, ATTEMPTS, ATTEMPTS.TASK_ID, ids), countIn(dsl, TASK_EVENTS, TASK_EVENTS.TASK_ID, ids),
                countIn(dsl, STEPS, STEPS.TASK_ID, ids), countIn(dsl, HOST_REQUESTS, HOST_REQUESTS.TASK_ID, ids), modules);
    }

    PruneCounts delete(DSLContext dsl, Set<String> keepModules) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            List<String> ids = ids();
            long hostRequests = deleteIn(tx, ids, chunk -> tx.deleteFrom(HOST_REQUESTS).where(HOST_REQUESTS.TASK_ID.in(chunk)).execute());
            long steps = deleteIn(tx, ids, chunk -> tx.deleteFrom(STEPS).where(STEPS.TASK_ID.in(chunk)).execute());
            long attempts = deleteIn(tx, ids, chunk -> tx.deleteFrom(ATTEMPTS).where(ATTEMPTS.TASK_ID.in(chunk)).execute());
            long events = deleteIn(tx, ids, chunk -> tx.deleteFrom(TASK_EVENTS).where(TASK_EVENTS.TASK_ID.in(chunk)).execute());
            deleteIn(tx, ids, chunk -> tx.deleteFrom(TASK_SECRETS).where(TASK_SECRETS.TASK_ID.in(chunk)).execute());
            deleteIn(tx, ids, chunk -> tx.deleteFrom(ATTEMPT_OUTPUT).where(ATTEMPT_OUTPUT.TASK_ID.in(chunk)).execute());
            deleteIn(tx, ids, chunk -> tx.deleteFrom(TASK_LABELS).where(TASK_LABELS.TASK_ID.in(chunk)).execute());
            long tasks = 0;
            for (List<String> level : levelsDeepestFirst()) {
                tasks += deleteIn(tx, level, chunk -> tx.deleteFrom(TASKS).where(TASKS.ID.in(chunk)).and(TASKS.STATUS.in(FINAL)).execute());
            }
            if (tasks != ids.size()) {
                throw new ChangedMeanwhile("tasks of the batch changed while it was pruned");
            }
            long modules = 0;
            for (String sha : candidateModules(keepModules)) {
                modules += tx.deleteFrom(MODULES).where(MODULES.SHA256.eq(sha))
                        .andNotExists(tx.selectOne().from(TASKS).where(TASKS.MODULE_SHA256.eq(sha)))
                        .andNotExists(tx.selectOne().from(CRASHED_MODULES).where(CRASHED_MODULES.SHA256.eq(sha)))
                        .execute();
            }
            return new PruneCounts(tasks, attempts, events, steps, hostRequests, modules);
        });
    }

    private List<String> ids() {
        List<String> ids = new ArrayList<>();
        trees.forEach(t -> t.levels().forEach(ids::addAll));
        return ids;
    }

    private Set<String> candidateModules(Set<String> keepModules) {
        Set<String> modules = new HashSet<>();
        trees.forEach(t -> modules.addAll(t.modules()));
        modules.removeAll(keepModules);
        return modules;
    }

    /** Every tree's level k together, deepest level first, so no task is deleted before its children. */
    private List<List<String>> levelsDeepestFirst() {
        int depth = trees.stream().mapToInt(t -> t.levels().size()).max().orElse(0);
        List<List<String>> levels = new ArrayList<>();
        for (int d = depth - 1; d >= 0; d--) {
            List<String> level = new ArrayList<>();
            for (PrunableTrees.Tree t : trees) {
                if (d < t.levels().size()) {
                    level.addAll(t.levels().get(d));
                }
            }
            levels.add(level);
        }
        return levels;
    }

    private static long deleteIn(DSLContext tx, List<String> ids, Function<List<String>, Integer> delete) {
        long n = 0;
        for (int from = 0; from < ids.size(); from += IN_LIST) {
            n += delete.apply(ids.subList(from, Math.min(ids.size(), from + IN_LIST)));
        }
        return n;
    }

    private static long countIn(DSLContext dsl, Table<?> table, Field<String> taskId, List<String> ids) {
        long n = 0;
        for (int from = 0; from < ids.size(); from += IN_LIST) {
            Condition in = taskId.in(ids.subList(from, Math.min(ids.size(), from + IN_LIST)));
            n += dsl.fetchCount(table, in);
        }
        return n;
    }
}
