package run.capsule.store;

import run.capsule.protocol.HostRequest;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TaskJournalTest {
    @TempDir
    Path dir;

    private Journal open(String database) {
        return Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres());
    }

    private static NewTask task(String id, byte[] module, int maxRetries) {
        return new NewTask(id, "hello", null, ModuleStore.sha256(module), maxRetries, "{\"args\":[]}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void journalsEveryStatusChangeWithItsEvent(String database) {
        byte[] module = "\0asm-fake".getBytes(StandardCharsets.UTF_8);
        String id = UUID.randomUUID().toString();
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            tasks.create(task(id, module, 1), module);
            int first = tasks.startAttempt(id, "node-a");
            tasks.finishAttempt(id, first, AttemptOutcome.failed(12, null, 65536L, 3, "task_error", "exited with code 3"), true, "retrying");
            int second = tasks.startAttempt(id, "node-a");
            TaskStatus end = tasks.finishAttempt(id, second, AttemptOutcome.succeeded(7, 1234L, 131072L, 0, "\"hi\""), false, "succeeded");

            assertThat(first).isEqualTo(1);
            assertThat(second).isEqualTo(2);
            assertThat(end).isEqualTo(TaskStatus.SUCCEEDED);
            TaskRow row = tasks.find(id).orElseThrow();
            assertThat(row.status()).isEqualTo(TaskStatus.SUCCEEDED);
            assertThat(row.attempts()).isEqualTo(2);
            assertThat(row.resultJson()).isEqualTo("\"hi\"");
            assertThat(row.errorType()).isNull();
            assertThat(tasks.attempts(id)).extracting(AttemptRow::status, AttemptRow::exitCode, AttemptRow::errorType)
                    .containsExactly(
                            tuple(AttemptStatus.FAILED, 3, "task_error"),
                            tuple(AttemptStatus.SUCCEEDED, 0, null));
            assertThat(tasks.events(id)).extracting(EventRow::fromStatus, EventRow::toStatus).containsExactly(
                    tuple(null, TaskStatus.PENDING),
                    tuple(TaskStatus.PENDING, TaskStatus.RUNNING),
                    tuple(TaskStatus.RUNNING, TaskStatus.RETRY_WAIT),
                    tuple(TaskStatus.RETRY_WAIT, TaskStatus.RUNNING),
                    tuple(TaskStatus.RUNNING, TaskStatus.SUCCEEDED));
            assertThat(journal.modules().get(row.moduleSha256())).hasValueSatisfying(b -> assertThat(b).isEqualTo(module));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void staleAttemptCannotOverwriteANewerOne(String database) {
        byte[] module = "\0asm-other".getBytes(StandardCharsets.UTF_8);
        String id = UUID.randomUUID().toString();
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            tasks.create(task(id, module, 3), module);
            int first = tasks.startAttempt(id, "node-a");
            tasks.finishAttempt(id, first, AttemptOutcome.failed(5, null, null, null, "runner_crashed", "runner died"), true, "retrying");
            int second = tasks.startAttempt(id, "node-b");

            assertThatThrownBy(() -> tasks.finishAttempt(id, first, AttemptOutcome.succeeded(1, null, null, 0, "1"), false, "late"))
                    .isInstanceOf(StaleTransitionException.class);
            assertThatThrownBy(() -> tasks.startAttempt(id, "node-c")).isInstanceOf(StaleTransitionException.class);
            int eventsBefore = tasks.events(id).size();
            tasks.finishAttempt(id, second, AttemptOutcome.succeeded(1, null, null, 0, "2"), false, "succeeded");
            assertThat(tasks.find(id).orElseThrow().resultJson()).isEqualTo("2");
            assertThat(tasks.events(id)).hasSize(eventsBefore + 1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void sameModuleIsStoredOnce(String database) {
        byte[] module = "\0asm-shared".getBytes(StandardCharsets.UTF_8);
        try (Journal journal = open(database)) {
            journal.tasks().create(task(UUID.randomUUID().toString(), module, 0), module);
            journal.tasks().create(task(UUID.randomUUID().toString(), module, 0), module);
            QueryResult count = journal.readOnlySql().query("select count(*) as n from modules", 10);
            assertThat(((Number) count.rows().get(0).get(0)).longValue()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void readOnlySqlReadsButNeverWrites(String database) {
        byte[] module = "\0asm-sql".getBytes(StandardCharsets.UTF_8);
        String id = UUID.randomUUID().toString();
        try (Journal journal = open(database)) {
            journal.tasks().create(task(id, module, 0), module);
            QueryResult result = journal.readOnlySql().query("SELECT id, status FROM tasks WHERE name = 'hello';", 10);
            assertThat(result.columns()).containsExactly("id", "status");
            assertThat(result.rows()).containsExactly(List.of(id, "PENDING"));

            assertThatThrownBy(() -> journal.readOnlySql().query("DELETE FROM tasks", 10))
                    .isInstanceOf(JournalException.class).hasMessageContaining("read-only");
            assertThatThrownBy(() -> journal.readOnlySql().query("select 1; delete from tasks", 10))
                    .isInstanceOf(JournalException.class).hasMessageContaining("one statement");
            assertThatThrownBy(() -> journal.readOnlySql().query(
                    "WITH gone AS (DELETE FROM task_events RETURNING id) SELECT count(*) FROM gone", 10))
                    .isInstanceOf(JournalException.class);
            if (database.equals("h2")) {
                assertThatThrownBy(() -> journal.readOnlySql().query(
                        "SELECT CSVWRITE('" + dir.resolve("leak.csv") + "', 'SELECT * FROM tasks')", 10))
                        .isInstanceOf(JournalException.class);
                assertThat(dir.resolve("leak.csv")).doesNotExist();
            }
            assertThat(journal.tasks().events(id)).hasSize(1);
            assertThat(journal.tasks().find(id)).isPresent();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void historySurvivesReopening(String database) {
        JournalConfig config = database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres();
        byte[] module = "\0asm-reopen".getBytes(StandardCharsets.UTF_8);
        String id = UUID.randomUUID().toString();
        try (Journal journal = Journal.open(config)) {
            journal.tasks().create(task(id, module, 0), module);
        }
        try (Journal journal = Journal.open(config)) {
            assertThat(journal.tasks().recent(10)).extracting(TaskRow::id).containsExactly(id);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void nodesLapseByTheDatabaseClockAndGoneOnesArePruned(String database) throws Exception {
        try (Journal journal = open(database)) {
            NodeRegistry nodes = journal.nodes();
            nodes.register("a", 2);
            nodes.register("b", 2);
            Thread.sleep(300);
            nodes.heartbeat("b", 0);
            assertThat(nodes.lapsed("b", java.time.Duration.ofMillis(200))).containsExactly("a");
            assertThat(nodes.markLost("a", java.time.Duration.ofMillis(200))).isTrue();
            assertThat(nodes.markLost("a", java.time.Duration.ofMillis(200))).isFalse();
            nodes.stopped("b");
            assertThat(nodes.lapsed("c", java.time.Duration.ofMillis(1))).isEmpty();
            assertThat(nodes.pruneGone(java.time.Duration.ofDays(1))).isZero();
            Thread.sleep(50);
            assertThat(nodes.pruneGone(java.time.Duration.ofMillis(10))).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void hostRequestsAreJournaledWithTheAttemptsFinish(String database) {
        byte[] module = "\0asm-http".getBytes(StandardCharsets.UTF_8);
        String id = UUID.randomUUID().toString();
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            tasks.create(task(id, module, 0), module);
            int attempt = tasks.startAttempt(id, "node-a");
            var at = java.time.OffsetDateTime.parse("2026-11-26T09:00:00Z");
            List<HostRequest> requests = List.of(
                    new HostRequest(1, at.toInstant().toEpochMilli(), "GET", "http://127.0.0.1:8080/a?token=***", Map.of("Authorization", "***"), 200, 0, 512, 12, null),
                    new HostRequest(2, at.toInstant().toEpochMilli(), "POST", "http://169.254.169.254/", Map.of(), null, 10, 0, 0, "refused: link-local address"));
            tasks.finishAttempt(id, attempt, AttemptOutcome.succeeded(30, 5L, 65536L, 0, "1").withHostRequests(requests), false, "succeeded");

            List<HostRequest> stored = tasks.hostRequests(id, attempt);
            assertThat(stored).extracting(HostRequest::seq, HostRequest::method, HostRequest::status, HostRequest::error)
                    .containsExactly(
                            tuple(1, "GET", 200, null),
                            tuple(2, "POST", null, "refused: link-local address"));
            assertThat(stored.get(0).headers()).containsEntry("Authorization", "***");
            assertThat(journal.readOnlySql().query("select count(*) from host_requests", 1).rows().get(0).get(0)).isEqualTo(2L);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void unfinishedDescendantsAreFoundAtEveryLevelParentsFirst(String database) {
        byte[] module = "\0asm-tree".getBytes(StandardCharsets.UTF_8);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            tasks.create(child("root-" + suffix, null, module), module);
            tasks.create(child("a1-" + suffix, "root-" + suffix, module), module);  // ends SUCCEEDED
            tasks.create(child("a2-" + suffix, "root-" + suffix, module), module);  // RETRY_WAIT
            tasks.create(child("a3-" + suffix, "root-" + suffix, module), module);  // PENDING
            tasks.create(child("b1-" + suffix, "a1-" + suffix, module), module);    // PENDING under a finished child
            tasks.create(child("b2-" + suffix, "a2-" + suffix, module), module);    // ends FAILED
            tasks.create(child("c1-" + suffix, "b2-" + suffix, module), module);    // RUNNING under a finished grandchild
            tasks.create(child("other-" + suffix, null, module), module);           // not in the tree
            tasks.finishAttempt("a1-" + suffix, tasks.startAttempt("a1-" + suffix, "node-a"),
                    AttemptOutcome.succeeded(1, null, null, 0, "1"), false, "succeeded");
            tasks.finishAttempt("a2-" + suffix, tasks.startAttempt("a2-" + suffix, "node-a"),
                    AttemptOutcome.failed(1, null, null, 1, "task_error", "boom"), true, "retrying");
            tasks.finishAttempt("b2-" + suffix, tasks.startAttempt("b2-" + suffix, "node-a"),
                    AttemptOutcome.failed(1, null, null, 1, "task_error", "boom"), false, "failed");
            tasks.startAttempt("c1-" + suffix, "node-a");

            assertThat(tasks.unfinishedDescendants("root-" + suffix))
                    .containsExactly("a2-" + suffix, "a3-" + suffix, "b1-" + suffix, "c1-" + suffix);
            assertThat(tasks.unfinishedDescendants("a2-" + suffix)).containsExactly("c1-" + suffix);
            assertThat(tasks.unfinishedDescendants("c1-" + suffix)).isEmpty();
            assertThat(tasks.unfinishedDescendants("no-such-task")).isEmpty();
        }
    }

    private static NewTask child(String id, String parentId, byte[] module) {
        return new NewTask(id, "step", parentId, ModuleStore.sha256(module), 1, "{\"args\":[]}");
    }
}
