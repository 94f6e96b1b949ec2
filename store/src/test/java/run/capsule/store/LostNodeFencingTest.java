package run.capsule.store;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.capsule.protocol.StepRecord;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 16, item 2: a node paused past its lease comes back after another node recovered its attempt. Every write it
 * then tries for that attempt is refused and changes nothing: its heartbeat (which used to set it ALIVE again), a step,
 * a child started from a step, the attempt's finish and a retry.
 */
class LostNodeFencingTest {
    private static final Duration LEASE = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private Journal open(String database) {
        return Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres());
    }

    private static StepRecord step(int no) {
        return new StepRecord(no, StepRecord.CLOCK, "now", "{}", "{\"value\":" + no + "}", null, 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void everyLateWriteOfALostNodeIsRefused(String database) throws Exception {
        byte[] module = "\0asm-paused".getBytes(StandardCharsets.UTF_8);
        String sha = ModuleStore.sha256(module);
        String id = UUID.randomUUID().toString();
        try (Journal journal = open(database)) {
            TaskJournal tasks = journal.tasks();
            NodeRegistry nodes = journal.nodes();
            nodes.register("paused", 1);
            nodes.register("survivor", 1);
            tasks.create(new NewTask(id, "parent", null, sha, 3, "{\"args\":[]}"), module);
            int lostAttempt = tasks.startAttempt(id, "paused");
            journal.steps().record(id, lostAttempt, List.of(step(1)));

            Thread.sleep(LEASE.toMillis() + 100);
            assertThat(nodes.heartbeat("survivor", 0)).contains(NodeStatus.ALIVE);
            assertThat(nodes.lapsed("survivor", LEASE)).containsExactly("paused");
            assertThat(nodes.markLost("paused", LEASE)).isTrue();
            assertThat(tasks.recoverNode("paused", "node paused lost", 5)).isEqualTo(1);
            int current = tasks.claim(id, "survivor", false).orElseThrow();

            // the paused node resumes: its heartbeat tells it, and does not make it ALIVE again
            assertThat(nodes.heartbeat("paused", 1)).contains(NodeStatus.LOST);
            assertThat(nodes.status("paused")).contains(NodeStatus.LOST);
            assertThat(nodes.lapsed("survivor", Duration.ZERO)).doesNotContain("paused");
            assertThat(tasks.runningClaims("paused")).isEmpty();

            assertThatThrownBy(() -> journal.steps().record(id, lostAttempt, List.of(step(2))))
                    .isInstanceOf(StaleTransitionException.class).hasMessageContaining("no longer current");
            String child = UUID.randomUUID().toString();
            assertThatThrownBy(() -> tasks.createChild(new NewTask(child, "child", id, sha, 0, "{\"args\":[]}"), module, lostAttempt,
                    List.of(new StepRecord(2, StepRecord.CHILD, "child", "{}", "{\"id\":\"" + child + "\"}", child, 0))))
                    .isInstanceOf(StaleTransitionException.class);
            assertThatThrownBy(() -> tasks.finishAttempt(id, lostAttempt, AttemptOutcome.succeeded(10, null, null, 0, "\"late\""), false, "succeeded"))
                    .isInstanceOf(StaleTransitionException.class);
            assertThatThrownBy(() -> tasks.finishAttempt(id, lostAttempt, AttemptOutcome.failed(10, null, null, 1, "trap", "late failure"),
                    journal.nodes().databaseNow().plusSeconds(1), "retry"))
                    .isInstanceOf(StaleTransitionException.class);

            assertThat(tasks.find(child)).isEmpty();
            assertThat(journal.steps().steps(id)).extracting(StepRow::stepNo).containsExactly(1);
            TaskRow row = tasks.find(id).orElseThrow();
            assertThat(row.status()).isEqualTo(TaskStatus.RUNNING);
            assertThat(row.attempts()).isEqualTo(current);

            // the survivor's attempt writes as usual, and the lost node may join again
            journal.steps().record(id, current, List.of(step(2)));
            assertThat(tasks.finishAttempt(id, current, AttemptOutcome.succeeded(10, null, null, 0, "\"once\""), false, "succeeded"))
                    .isEqualTo(TaskStatus.SUCCEEDED);
            assertThat(tasks.attempts(id)).extracting(AttemptRow::status).containsExactly(AttemptStatus.ABANDONED, AttemptStatus.SUCCEEDED);
            assertThat(nodes.rejoin("paused")).isTrue();
            assertThat(nodes.heartbeat("paused", 0)).contains(NodeStatus.ALIVE);
        }
    }
}
