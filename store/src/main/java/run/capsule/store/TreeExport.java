package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.ATTEMPT_OUTPUT;
import static run.capsule.store.jooq.Tables.HOST_REQUESTS;
import static run.capsule.store.jooq.Tables.MODULES;
import static run.capsule.store.jooq.Tables.STEPS;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;
import static run.capsule.store.jooq.Tables.TASK_LABELS;

/**
 * Reads whole task trees for export: the trees whose root task was created in [since, until), oldest first, a page of
 * roots at a time through {@code tasks_api_page_idx}, each tree read in a few queries.
 */
public final class TreeExport {
    private static final int ROOTS_PER_PAGE = 200;
    private static final int IN_LIST = 500;
    private final DSLContext dsl;

    TreeExport(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Hands each tree whose root was created in [since, until) to {@code sink}, oldest root first; null bounds are open. */
    public long export(OffsetDateTime since, OffsetDateTime until, boolean withModuleBytes, Consumer<ExportedTree> sink) {
        long trees = 0;
        Record cursor = null;
        while (true) {
            var query = dsl.select(TASKS.ID, TASKS.CREATED_AT).from(TASKS).where(TASKS.PARENT_ID.isNull());
            if (since != null) {
                query = query.and(TASKS.CREATED_AT.ge(since));
            }
            if (until != null) {
                query = query.and(TASKS.CREATED_AT.lt(until));
            }
            if (cursor != null) {
                // a row comparison: PostgreSQL reads the OR form of a cursor from the start of the index (docs/performance.md)
                query = query.and(DSL.row(TASKS.CREATED_AT, TASKS.ID).gt(cursor.get(TASKS.CREATED_AT), cursor.get(TASKS.ID)));
            }
            var roots = query.orderBy(TASKS.CREATED_AT, TASKS.ID).limit(ROOTS_PER_PAGE).fetch();
            if (roots.isEmpty()) {
                return trees;
            }
            for (var root : roots) {
                sink.accept(tree(root.value1(), withModuleBytes));
                trees++;
            }
            cursor = roots.get(roots.size() - 1);
        }
    }

    /** The tree of one root task. */
    public ExportedTree tree(String rootId, boolean withModuleBytes) {
        List<Map<String, Object>> tasks = new ArrayList<>(dsl.selectFrom(TASKS).where(TASKS.ID.eq(rootId)).fetchMaps());
        List<String> ids = new ArrayList<>(List.of(rootId));
        List<String> level = List.of(rootId);
        while (!level.isEmpty()) {
            List<String> next = new ArrayList<>();
            for (List<String> chunk : chunks(level)) {
                Result<?> children = dsl.selectFrom(TASKS).where(TASKS.PARENT_ID.in(chunk)).orderBy(TASKS.CREATED_AT, TASKS.ID).fetch();
                tasks.addAll(children.intoMaps());
                children.forEach(r -> next.add(r.get(TASKS.ID)));
            }
            ids.addAll(next);
            level = next;
        }
        List<Map<String, Object>> attempts = new ArrayList<>();
        List<Map<String, Object>> events = new ArrayList<>();
        List<Map<String, Object>> steps = new ArrayList<>();
        List<Map<String, Object>> requests = new ArrayList<>();
        List<Map<String, Object>> labels = new ArrayList<>();
        List<Map<String, Object>> output = new ArrayList<>();
        for (List<String> chunk : chunks(ids)) {
            attempts.addAll(dsl.selectFrom(ATTEMPTS).where(ATTEMPTS.TASK_ID.in(chunk)).orderBy(ATTEMPTS.TASK_ID, ATTEMPTS.ATTEMPT_NO).fetchMaps());
            events.addAll(dsl.selectFrom(TASK_EVENTS).where(TASK_EVENTS.TASK_ID.in(chunk)).orderBy(TASK_EVENTS.ID).fetchMaps());
            steps.addAll(dsl.selectFrom(STEPS).where(STEPS.TASK_ID.in(chunk)).orderBy(STEPS.TASK_ID, STEPS.STEP_NO).fetchMaps());
            requests.addAll(dsl.selectFrom(HOST_REQUESTS).where(HOST_REQUESTS.TASK_ID.in(chunk))
                    .orderBy(HOST_REQUESTS.TASK_ID, HOST_REQUESTS.ATTEMPT_NO, HOST_REQUESTS.SEQ).fetchMaps());
            labels.addAll(dsl.selectFrom(TASK_LABELS).where(TASK_LABELS.TASK_ID.in(chunk)).orderBy(TASK_LABELS.TASK_ID, TASK_LABELS.NAME).fetchMaps());
            output.addAll(dsl.selectFrom(ATTEMPT_OUTPUT).where(ATTEMPT_OUTPUT.TASK_ID.in(chunk))
                    .orderBy(ATTEMPT_OUTPUT.TASK_ID, ATTEMPT_OUTPUT.ATTEMPT_NO).fetchMaps());
        }
        List<String> shas = tasks.stream().map(t -> (String) t.get(TASKS.MODULE_SHA256.getName())).distinct().toList();
        var moduleFields = new ArrayList<org.jooq.Field<?>>(List.of(MODULES.SHA256, MODULES.SIZE_BYTES, MODULES.CREATED_AT));
        if (withModuleBytes) {
            moduleFields.add(MODULES.BYTES);
        }
        List<Map<String, Object>> modules = dsl.select(moduleFields).from(MODULES).where(MODULES.SHA256.in(shas)).orderBy(MODULES.SHA256).fetchMaps();
        return new ExportedTree(rootId, tasks, attempts, events, steps, requests, modules, labels, output);
    }

    private static List<List<String>> chunks(List<String> ids) {
        List<List<String>> chunks = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += IN_LIST) {
            chunks.add(ids.subList(from, Math.min(ids.size(), from + IN_LIST)));
        }
        return chunks;
    }
}
