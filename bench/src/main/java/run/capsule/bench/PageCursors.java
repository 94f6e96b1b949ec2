package run.capsule.bench;

import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;
import run.capsule.store.TaskFilter;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import static run.capsule.store.jooq.Tables.TASKS;

/**
 * The next page of the task list (GET /api/v1/tasks?cursor=...) deep in a large journal, side by side in one run: the
 * cursor written as {@code created_at < ? OR (created_at = ? AND id < ?)} and as the row comparison
 * {@code (created_at, id) < (?, ?)}, plain and filtered by status, plus what {@code TaskListing.page} does now.
 * Usage: PageCursors h2|postgres TASKS WORKDIR
 */
public final class PageCursors {
    private static final int RUNS = 30;

    public static void main(String[] args) throws Exception {
        String database = args[0];
        long count = Long.parseLong(args[1]);
        Path work = Path.of(args[2]);
        try (BenchJournal bench = BenchJournal.open(database, work); Journal journal = Journal.open(bench.config())) {
            JournalConfig config = bench.config();
            DSLContext dsl = journal.dsl();
            long written = new HistoryGenerator(journal, 19, 100).generate(count);
            if (!config.isH2()) {
                dsl.execute("ANALYZE");
            }
            System.out.printf("%s: %d tasks, load average %s%n", database, written, HistoryAtScale.loadAverage());
            for (int percent : new int[] {10, 50, 90}) {
                OffsetDateTime at = dsl.select(TASKS.CREATED_AT).from(TASKS).orderBy(TASKS.CREATED_AT.desc(), TASKS.ID.desc())
                        .offset((int) (written * percent / 100)).limit(1).fetchOne(TASKS.CREATED_AT);
                TaskFilter.PageCursor cursor = new TaskFilter.PageCursor(at, "~");
                Map<String, Function<Condition, Object>> forms = new LinkedHashMap<>();
                forms.put("OR form", filter -> page(dsl, filter.and(TASKS.CREATED_AT.lt(at).or(TASKS.CREATED_AT.eq(at).and(TASKS.ID.lt("~"))))));
                forms.put("row comparison", filter -> page(dsl, filter.and(DSL.row(TASKS.CREATED_AT, TASKS.ID).lt(at, "~"))));
                for (boolean failedOnly : new boolean[] {false, true}) {
                    Condition filter = failedOnly ? TASKS.STATUS.eq("FAILED") : DSL.noCondition();
                    forms.forEach((form, page) -> System.out.printf("  cursor %d%% deep%s, %s: %s%n", percent, failedOnly ? ", status FAILED" : "", form,
                            HistoryAtScale.Sample.repeat(RUNS, () -> page.apply(filter))));
                    TaskFilter listing = new TaskFilter(failedOnly ? "FAILED" : null, null, null, null, null, false, null, null, null, 50, cursor);
                    System.out.printf("  cursor %d%% deep%s, TaskListing.page: %s%n", percent, failedOnly ? ", status FAILED" : "",
                            HistoryAtScale.Sample.repeat(RUNS, () -> journal.listing().page(listing)));
                }
            }
        }
    }

    private static Object page(DSLContext dsl, Condition where) {
        return dsl.select(TASKS.ID, TASKS.NAME, TASKS.STATUS, TASKS.CREATED_AT).from(TASKS).where(where)
                .orderBy(TASKS.CREATED_AT.desc(), TASKS.ID.desc()).limit(51).fetch();
    }
}
