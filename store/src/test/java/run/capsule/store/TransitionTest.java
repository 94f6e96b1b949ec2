package run.capsule.store;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every status change of a task goes through one fenced transition (issue 12, item 4): each writes its event row, and a
 * writer whose view is stale changes nothing and writes no event. On H2 and on PostgreSQL.
 */
class TransitionTest {
    private static final byte[] MODULE = "\0asm-transitions".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Journal open(String database) {
        return Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres());
    }

    private static String create(TaskJournal tasks, OffsetDateTime runAt) {
        String id = UUID.randomUUID().toString();
        tasks.create(new NewTask(id, "t", null, ModuleStore.sha256(MODULE), 2, "{\"args\":[]}", null, runAt, null), MODULE);
        return id;
    }

    private static List<String> moves(TaskJournal tasks, String id) {
        return tasks.events(id).stream().map(e -> (e.fromStatus() == null ? "-" : e.fromStatus().name()) + ">" + e.toStatus().name()).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void claimFinishRetryAndResumeEachWriteOneEvent(String database) {
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            String id = create(tasks, null);
            String later = create(tasks, OffsetDateTime.now().plusHours(1));

            assertThat(tasks.claim(later, "node-a", true)).as("not due yet").isEmpty();
            int first = tasks.claim(id, "node-a", true).orElseThrow();
            assertThat(tasks.claim(id, "node-b", false)).as("already claimed").isEmpty();
            tasks.finishAttempt(id, first, AttemptOutcome.failed(1, null, null, 1, "task_error", "boom"), true, "retry");
            assertThat(tasks.makeDue(id, "due")).isTrue();
            assertThat(tasks.makeDue(id, "due again")).as("no longer waiting").isFalse();
            int second = tasks.startAttempt(id, "node-a");
            tasks.finishAttempt(id, second, AttemptOutcome.failed(1, null, null, null, "suspended", "sleep")
                    .withStatus(AttemptStatus.SUSPENDED, null, "durable sleep"), OffsetDateTime.now().plusSeconds(1), "suspended");
            assertThat(tasks.makeDue(id, "resume")).isTrue();
            int third = tasks.startAttempt(id, "node-b");
            tasks.finishAttempt(id, third, AttemptOutcome.succeeded(1, null, null, 0, "1"), false, "succeeded");

            assertThat(moves(tasks, id)).containsExactly("->PENDING", "PENDING>RUNNING", "RUNNING>RETRY_WAIT", "RETRY_WAIT>PENDING",
                    "PENDING>RUNNING", "RUNNING>RETRY_WAIT", "RETRY_WAIT>PENDING", "PENDING>RUNNING", "RUNNING>SUCCEEDED");
            assertThat(tasks.find(id).orElseThrow().claimedBy()).isEqualTo("node-b");
            assertThat(moves(tasks, later)).containsExactly("->PENDING");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void staleWritersChangeNothingAndWriteNoEvent(String database) {
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            String id = create(tasks, null);
            int first = tasks.startAttempt(id, "node-a");
            assertThat(tasks.recoverNode("node-a", "lost", 5)).isEqualTo(1);
            int second = tasks.startAttempt(id, "node-b");
            int events = tasks.events(id).size();

            assertThatThrownBy(() -> tasks.finishAttempt(id, first, AttemptOutcome.succeeded(1, null, null, 0, "1"), false, "late"))
                    .isInstanceOf(StaleTransitionException.class);
            assertThat(tasks.handBack(id, first, "late hand-back")).isFalse();
            assertThat(tasks.makeDue(id, "not waiting")).isFalse();

            assertThat(tasks.events(id)).hasSize(events);
            assertThat(tasks.find(id).orElseThrow().attempts()).isEqualTo(second);
            assertThat(tasks.attempts(id)).extracting(AttemptRow::status).containsExactly(AttemptStatus.ABANDONED, AttemptStatus.RUNNING);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void cancellingRecoveringAndHandingBack(String database) {
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            String pending = create(tasks, null);
            String running = create(tasks, null);
            String handed = create(tasks, null);
            String lost = create(tasks, null);
            tasks.startAttempt(running, "node-a");
            tasks.startAttempt(handed, "node-a");

            assertThat(tasks.requestCancel(pending)).isEqualTo(CancelOutcome.CANCELLED);
            assertThat(tasks.requestCancel(pending)).isEqualTo(CancelOutcome.ALREADY_FINISHED);
            assertThat(tasks.requestCancel(running)).isEqualTo(CancelOutcome.REQUESTED);
            assertThat(tasks.handBackAll("node-a", "closing")).isEqualTo(2);
            for (int i = 0; i < 3; i++) {
                tasks.startAttempt(lost, "node-x");
                tasks.recoverNode("node-x", "node-x lost", 2);
            }

            assertThat(moves(tasks, pending)).containsExactly("->PENDING", "PENDING>CANCELLED");
            assertThat(moves(tasks, running)).as("asked to cancel, then handed back: cancelled").containsExactly("->PENDING", "PENDING>RUNNING",
                    "RUNNING>CANCELLED");
            assertThat(moves(tasks, handed)).containsExactly("->PENDING", "PENDING>RUNNING", "RUNNING>PENDING");
            assertThat(tasks.find(handed).orElseThrow().recoveries()).as("a hand-back is not a recovery").isZero();
            TaskRow gaveUp = tasks.find(lost).orElseThrow();
            assertThat(gaveUp.status()).isEqualTo(TaskStatus.FAILED);
            assertThat(gaveUp.errorType()).isEqualTo("lost");
            assertThat(moves(tasks, lost)).endsWith("PENDING>RUNNING", "RUNNING>FAILED");
        }
    }

    /** Issue 12, item 5: the claim query itself takes a due retry, so a lost timer delays nothing; a retry not due waits. */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aDueRetryIsClaimedWithoutItsTimerAndOneNotDueIsNot(String database) {
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            String due = create(tasks, null);
            String notDue = create(tasks, null);
            OffsetDateTime now = journal.nodes().databaseNow();
            tasks.finishAttempt(due, tasks.startAttempt(due, "node-a"), AttemptOutcome.failed(1, null, null, 1, "task_error", "x"),
                    now.minusSeconds(1), "retry, due already");
            tasks.finishAttempt(notDue, tasks.startAttempt(notDue, "node-a"), AttemptOutcome.failed(1, null, null, 1, "task_error", "x"),
                    now.plusHours(1), "retry in an hour");

            List<Claim> claims = tasks.claimDue("node-b", 10);

            assertThat(claims).extracting(Claim::taskId).containsExactly(due);
            assertThat(moves(tasks, due)).endsWith("RUNNING>RETRY_WAIT", "RETRY_WAIT>RUNNING");
            assertThat(tasks.find(notDue).orElseThrow().status()).isEqualTo(TaskStatus.RETRY_WAIT);
        }
    }

    /** A task asked to cancel while its attempt ran is not retried: the retry it would have had becomes CANCELLED. */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void anAttemptThatFailsAfterACancelRequestEndsCancelledNotRetried(String database) {
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            String id = create(tasks, null);
            int attempt = tasks.startAttempt(id, "node-a");
            assertThat(tasks.requestCancel(id)).isEqualTo(CancelOutcome.REQUESTED);

            TaskStatus end = tasks.finishAttempt(id, attempt, AttemptOutcome.failed(1, null, null, 1, "task_error", "boom"),
                    journal.nodes().databaseNow().plusHours(1), "retry in an hour");

            assertThat(end).isEqualTo(TaskStatus.CANCELLED);
            assertThat(tasks.find(id).orElseThrow().errorType()).isEqualTo("cancelled");
            assertThat(moves(tasks, id)).endsWith("RUNNING>CANCELLED");
        }
    }
}
