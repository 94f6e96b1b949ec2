package run.capsule.service.events;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import run.capsule.store.FeedEvent;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;
import run.capsule.store.ModuleStore;
import run.capsule.store.NewTask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hub sends ids in order even when transactions commit out of id order: a later id waits while a lower one is still
 * uncommitted, and passes once that one commits, or after the gap wait when it was rolled back. Without the wait, a stream
 * resumed after the later id would never see the lower one.
 */
class EventHubOrderTest {
    private static Path dir;
    private static Journal journal;
    private static String taskId;

    @BeforeAll
    static void open() throws Exception {
        dir = Files.createTempDirectory("capsule-hub-test");
        journal = Journal.open(JournalConfig.embedded(dir.resolve(".capsule")));
        byte[] module = {0, 'a', 's', 'm', 1, 0, 0, 0};
        taskId = UUID.randomUUID().toString();
        journal.tasks().create(new NewTask(taskId, "t", null, ModuleStore.sha256(module), 0, "{\"args\":[]}"), module);
    }

    @AfterAll
    static void close() {
        journal.close();
    }

    private static PreparedStatement insert(Connection connection, String reason) throws Exception {
        PreparedStatement statement = connection.prepareStatement(
                "insert into task_events (task_id, attempt_no, at, from_status, to_status, reason) values (?, null, current_timestamp, 'PENDING', 'PENDING', ?)");
        statement.setString(1, taskId);
        statement.setString(2, reason);
        statement.executeUpdate();
        return statement;
    }

    @Test
    void aLaterIdWaitsForALowerOneStillCommitting() throws Exception {
        try (EventHub hub = new EventHub(journal.eventFeed())) {
            for (int i = 0; i < 10; i++) {
                long before = hub.taken();
                try (Connection slow = journal.dataSource().getConnection(); Connection fast = journal.dataSource().getConnection()) {
                    slow.setAutoCommit(false);
                    insert(slow, "slow " + i).close();
                    insert(fast, "fast " + i).close();
                    Thread.sleep(3 * EventHub.POLL.toMillis());

                    assertThat(hub.taken()).as("nothing taken past the uncommitted id").isEqualTo(before);
                    slow.commit();
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> hub.taken() >= before + 2);
                List<FeedEvent> events = hub.after(before, 10);
                assertThat(events).extracting(FeedEvent::reason).containsExactly("slow " + i, "fast " + i);
                assertThat(events).extracting(FeedEvent::id).containsExactly(before + 1, before + 2);
            }
        }
    }

    @Test
    void anIdOfARolledBackTransactionIsPassedAfterTheGapWait() throws Exception {
        try (EventHub hub = new EventHub(journal.eventFeed())) {
            long before = hub.taken();
            try (Connection rolledBack = journal.dataSource().getConnection(); Connection fast = journal.dataSource().getConnection()) {
                rolledBack.setAutoCommit(false);
                insert(rolledBack, "never").close();
                insert(fast, "after the gap").close();
                rolledBack.rollback();
            }
            long start = System.nanoTime();
            await().atMost(Duration.ofSeconds(6)).until(() -> hub.taken() >= before + 2);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(EventHub.GAP_WAIT.minusMillis(500));
            assertThat(hub.after(before, 10)).extracting(FeedEvent::reason).containsExactly("after the gap");
        }
    }
}
