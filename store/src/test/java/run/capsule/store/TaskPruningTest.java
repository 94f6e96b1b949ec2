package run.capsule.store;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static run.capsule.store.jooq.Tables.PRUNE_RUNS;

/**
 * Issue 17 item 3: prune deletes whole finished trees older than the cutoff with everything they journaled, keeps
 * everything else, resumes after an interruption, and deletes nothing the second time. On H2 and on PostgreSQL.
 */
class TaskPruningTest {
    private static final Duration OLD = Duration.ofDays(40);

    @TempDir
    Path dir;

    private Journal open(String database) {
        return Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres());
    }

    private static PruneCriteria olderThan30Days(Journal journal, boolean keepFailed, boolean dryRun, int batch) {
        return new PruneCriteria(journal.nodes().databaseNow().minusDays(30), keepFailed, dryRun, "test", batch);
    }

    private static long count(Journal journal, String table, String taskId) {
        return journal.dsl().fetchCount(org.jooq.impl.DSL.table(org.jooq.impl.DSL.name(table)),
                org.jooq.impl.DSL.field(org.jooq.impl.DSL.name("task_id")).eq(taskId));
    }

    /** An old finished tree: a root whose attempt started a child, which started a grandchild; all with requests. */
    private static String[] oldFinishedTree(Journal journal, JournalTrees trees, byte[] module) {
        String root = trees.root("parent", module);
        trees.start(root);
        String child = trees.child(root, "child", 1);
        trees.start(child);
        String grandchild = trees.child(child, "grandchild", 1);
        trees.succeed(grandchild, "api.example.org");
        trees.succeedStarted(child, "api.example.org");
        trees.succeedStarted(root, "llm.example.com");
        trees.age(OLD, root, child, grandchild);
        return new String[] {root, child, grandchild};
    }

    /**
     * The walk over roots reads tasks_status_updated_idx in order and stops at the batch. On a million-task H2 journal
     * the select before (ORDER BY updated_at, id; the cursor as an OR) used tasks_parent_id_idx and read and sorted every
     * remaining root for each batch: the prune of 90% slowed to 45 tasks/s (docs/performance.md).
     */
    @org.junit.jupiter.api.Test
    void onH2TheWalkOverRootsReadsTheIndexInOrderAndStopsAtTheBatch() {
        try (Journal journal = open("h2")) {
            JournalTrees trees = new JournalTrees(journal);
            String[] roots = new String[120];
            for (int i = 0; i < roots.length; i++) {
                roots[i] = trees.root("r" + i, JournalTrees.MODULE);
                trees.succeed(roots[i], null);
            }
            trees.age(OLD, roots);
            PrunableTrees walk = new PrunableTrees(journal.dsl(), olderThan30Days(journal, false, false, 10));
            String plan = String.valueOf(journal.dsl().fetchValue("EXPLAIN ANALYZE "
                    + walk.rootsQuery(TaskStatus.SUCCEEDED.name(), null, 10).getSQL(org.jooq.conf.ParamType.INLINED)));
            assertThat(plan).contains("tasks_status_updated_idx").contains("index sorted").containsPattern("scanCount: (10|11) ");
            var first = walk.roots(TaskStatus.SUCCEEDED.name(), null, 10);
            var next = walk.roots(TaskStatus.SUCCEEDED.name(), new PrunableTrees.Cursor(first.get(9).value2(), first.get(9).value1()), 200);
            assertThat(first).hasSize(10);
            assertThat(next).hasSize(110).noneMatch(r -> first.stream().anyMatch(f -> f.value1().equals(r.value1())));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void deletesOldFinishedTreesWithAllTheyJournaledAndKeepsTheRest(String database) {
        try (Journal journal = open(database)) {
            JournalTrees trees = new JournalTrees(journal);
            byte[] ownModule = "\0asm-only-the-old-tree".getBytes(StandardCharsets.UTF_8);
            String[] old = oldFinishedTree(journal, trees, ownModule);

            String recent = trees.root("recent", JournalTrees.MODULE);
            trees.succeed(recent, null);
            String unfinishedParent = trees.root("waiting", JournalTrees.MODULE);
            trees.start(unfinishedParent);
            String runningChild = trees.child(unfinishedParent, "child", 1);
            trees.start(runningChild);
            trees.age(OLD, unfinishedParent, runningChild);
            String failedEarlierChildRunning = trees.root("failed-parent", JournalTrees.MODULE);
            trees.start(failedEarlierChildRunning);
            String orphan = trees.child(failedEarlierChildRunning, "orphan", 1);
            trees.fail(failedEarlierChildRunning, "task_error");
            trees.age(OLD, failedEarlierChildRunning, orphan);
            String pending = trees.root("pending", JournalTrees.MODULE);
            trees.age(OLD, pending);
            String oldRootRecentChild = trees.root("old-root", JournalTrees.MODULE);
            trees.start(oldRootRecentChild);
            String recentChild = trees.child(oldRootRecentChild, "recent-child", 1);
            trees.succeed(recentChild, null);
            trees.succeedStarted(oldRootRecentChild, null);
            trees.age(OLD, oldRootRecentChild);

            assertThat(count(journal, "task_labels", old[0])).as("labels before the prune").isPositive();
            assertThat(count(journal, "attempt_output", old[0])).as("output before the prune").isPositive();

            PruneReport report = journal.pruning().prune(olderThan30Days(journal, false, false, 100), Set.of(), () -> false);

            assertThat(report.outcome()).isEqualTo(PruneReport.Outcome.COMPLETED);
            assertThat(report.deleted()).isEqualTo(new PruneCounts(3, 3, 9, 2, 3, 1));
            for (String id : old) {
                assertThat(journal.tasks().find(id)).isEmpty();
                assertThat(count(journal, "attempts", id) + count(journal, "task_events", id) + count(journal, "steps", id)
                        + count(journal, "host_requests", id) + count(journal, "task_labels", id) + count(journal, "attempt_output", id)).isZero();
            }
            assertThat(journal.modules().contains(ModuleStore.sha256(ownModule))).as("unreferenced module deleted").isFalse();
            assertThat(journal.modules().contains(ModuleStore.sha256(JournalTrees.MODULE))).as("module still in use kept").isTrue();
            assertThat(count(journal, "task_labels", recent)).as("a kept task keeps its labels").isEqualTo(1);
            for (String kept : new String[] {recent, unfinishedParent, runningChild, failedEarlierChildRunning, orphan, pending,
                    oldRootRecentChild, recentChild}) {
                assertThat(journal.tasks().find(kept)).as(kept).isPresent();
            }
            assertThat(report.treesSkipped()).as("the failed root whose child is still pending, and the old root whose child finished"
                    + " within 30 days (running roots are no candidates)").isEqualTo(2);
            var row = journal.dsl().selectFrom(PRUNE_RUNS).where(PRUNE_RUNS.ID.eq(report.runId())).fetchOne();
            assertThat(row.getOutcome()).isEqualTo("COMPLETED");
            assertThat(row.getTasksDeleted()).isEqualTo(3);
            assertThat(row.getRequestedBy()).isEqualTo("test");
            assertThat(row.getFinishedAt()).isNotNull();

            PruneReport again = journal.pruning().prune(olderThan30Days(journal, false, false, 100), Set.of(), () -> false);
            assertThat(again.deleted()).as("idempotent").isEqualTo(PruneCounts.NONE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void keepFailedKeepsTreesWithAFailedTaskAndSchedulesKeepTheirModules(String database) {
        try (Journal journal = open(database)) {
            JournalTrees trees = new JournalTrees(journal);
            byte[] scheduled = "\0asm-scheduled".getBytes(StandardCharsets.UTF_8);
            String parent = trees.root("parent", scheduled);
            trees.start(parent);
            String child = trees.child(parent, "child", 1);
            trees.fail(child, "timeout");
            trees.succeedStarted(parent, null);
            String lone = trees.root("lone", scheduled);
            trees.succeed(lone, null);
            trees.age(OLD, parent, child, lone);

            PruneReport report = journal.pruning().prune(olderThan30Days(journal, true, false, 100), Set.of(ModuleStore.sha256(scheduled)), () -> false);

            assertThat(report.deleted().tasks()).isEqualTo(1);
            assertThat(journal.tasks().find(lone)).isEmpty();
            assertThat(journal.tasks().find(parent)).isPresent();
            assertThat(journal.tasks().find(child)).isPresent();
            PruneReport all = journal.pruning().prune(olderThan30Days(journal, false, false, 100), Set.of(ModuleStore.sha256(scheduled)), () -> false);
            assertThat(all.deleted().tasks()).isEqualTo(2);
            assertThat(journal.modules().contains(ModuleStore.sha256(scheduled))).as("a schedule's module").isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aDryRunDeletesNothingAndCountsWhatTheRealRunDeletes(String database) {
        try (Journal journal = open(database)) {
            JournalTrees trees = new JournalTrees(journal);
            oldFinishedTree(journal, trees, "\0asm-dry".getBytes(StandardCharsets.UTF_8));
            oldFinishedTree(journal, trees, JournalTrees.MODULE);

            PruneReport dry = journal.pruning().prune(olderThan30Days(journal, false, true, 100), Set.of(), () -> false);
            assertThat(journal.tasks().recent(10)).hasSize(6);
            PruneReport real = journal.pruning().prune(olderThan30Days(journal, false, false, 100), Set.of(), () -> false);

            assertThat(dry.deleted()).isEqualTo(real.deleted());
            assertThat(journal.dsl().selectFrom(PRUNE_RUNS).where(PRUNE_RUNS.ID.eq(dry.runId())).fetchOne().getDryRun()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void anInterruptedPruneKeepsWhatItDeletedAndTheNextRunFinishes(String database) {
        try (Journal journal = open(database)) {
            JournalTrees trees = new JournalTrees(journal);
            for (int i = 0; i < 5; i++) {
                String id = trees.root("t" + i, JournalTrees.MODULE);
                trees.succeed(id, null);
                trees.age(OLD, id);
            }
            AtomicInteger batches = new AtomicInteger();

            PruneReport first = journal.pruning().prune(olderThan30Days(journal, false, false, 1), Set.of(), () -> batches.incrementAndGet() > 2);

            assertThat(first.outcome()).isEqualTo(PruneReport.Outcome.INTERRUPTED);
            assertThat(first.deleted().tasks()).isEqualTo(2);
            assertThat(journal.tasks().recent(10)).hasSize(3);
            assertThat(journal.dsl().selectFrom(PRUNE_RUNS).where(PRUNE_RUNS.ID.eq(first.runId())).fetchOne().getOutcome()).isEqualTo("INTERRUPTED");

            PruneReport resumed = journal.pruning().prune(olderThan30Days(journal, false, false, 1), Set.of(), () -> false);
            assertThat(resumed.outcome()).isEqualTo(PruneReport.Outcome.COMPLETED);
            assertThat(resumed.deleted().tasks()).isEqualTo(3);
            assertThat(journal.tasks().recent(10)).isEmpty();
        }
    }
}
