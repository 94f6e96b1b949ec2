package run.capsule.store;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static run.capsule.store.jooq.Tables.TASKS;

/** Pages of the task list (GET /api/v1/tasks) follow their cursor through tasks created at the same instant, on both databases. */
class TaskListingPagesTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void pagesListEveryTaskOnceNewestFirstAcrossTiesOfCreationTime(String database) {
        try (Journal journal = Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres())) {
            String label = UUID.randomUUID().toString();
            OffsetDateTime tie = journal.nodes().databaseNow().minusHours(1);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                String id = UUID.randomUUID().toString();
                journal.tasks().create(new NewTask(id, "paged", null, ModuleStore.sha256(JournalTrees.MODULE), 0, "{}")
                        .withLabels(java.util.Map.of("batch", label), null), JournalTrees.MODULE);
                // six share one creation time (i < 5 and i = 6), the others are a minute apart around it
                OffsetDateTime created = i < 5 ? tie : tie.plusMinutes(i - 6);
                journal.dsl().update(TASKS).set(TASKS.CREATED_AT, created).where(TASKS.ID.eq(id)).execute();
                ids.add(id);
            }
            List<String> expected = journal.dsl().select(TASKS.ID).from(TASKS).where(TASKS.ID.in(ids))
                    .orderBy(TASKS.CREATED_AT.desc(), TASKS.ID.desc()).fetch(TASKS.ID);

            List<String> listed = new ArrayList<>();
            TaskFilter.PageCursor cursor = null;
            int pages = 0;
            do {
                TaskListing.Page page = journal.listing().page(new TaskFilter("PENDING", null, null, java.util.Map.of("batch", label), null, false,
                        null, null, null, 2, cursor));
                page.tasks().forEach(t -> listed.add(t.id()));
                cursor = page.next();
                pages++;
            } while (cursor != null && pages < 20);

            assertThat(listed).as("every task once, newest first, ties by id").isEqualTo(expected).hasSize(9);
            assertThat(pages).isEqualTo(5);
        }
    }

    /** The export walks roots oldest first, 200 at a time: every tree once across pages and ties of creation time. */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void theExportWalksEveryRootOnceAcrossPagesAndTies(String database) {
        try (Journal journal = Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres())) {
            OffsetDateTime base = journal.nodes().databaseNow().minusDays(400);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 450; i++) {
                String id = UUID.randomUUID().toString();
                journal.tasks().create(new NewTask(id, "exported", null, ModuleStore.sha256(JournalTrees.MODULE), 0, "{}"), JournalTrees.MODULE);
                // runs of 7 roots share one creation time, so page ends fall inside ties
                journal.dsl().update(TASKS).set(TASKS.CREATED_AT, base.plusSeconds(i / 7)).where(TASKS.ID.eq(id)).execute();
                ids.add(id);
            }
            List<String> expected = journal.dsl().select(TASKS.ID).from(TASKS).where(TASKS.ID.in(ids))
                    .orderBy(TASKS.CREATED_AT, TASKS.ID).fetch(TASKS.ID);

            List<String> exported = new ArrayList<>();
            long trees = journal.export().export(base.minusSeconds(1), base.plusDays(1), false, tree -> exported.add(tree.rootId()));

            assertThat(trees).isEqualTo(450);
            assertThat(exported).as("every root once, oldest first, ties by id").isEqualTo(expected);
        }
    }
}
