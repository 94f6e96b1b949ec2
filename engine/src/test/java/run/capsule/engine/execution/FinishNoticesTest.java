package run.capsule.engine.execution;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** CapsuleClient.await on a node is answered by the node's notice that a task ended, not at its next poll. */
class FinishNoticesTest {
    private static final long NEVER_MS = 60_000;

    @Test
    void aWaiterIsWokenByTheNoticeOfItsTask() throws Exception {
        FinishNotices notices = new FinishNotices();
        for (int i = 0; i < 200; i++) {
            String task = "task-" + i;
            FinishNotices.Expected expected = notices.expect(task);
            CompletableFuture<Void> waited = CompletableFuture.runAsync(() -> {
                try {
                    expected.await(NEVER_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            notices.ended("another task");
            assertThat(waited).isNotDone();
            notices.ended(task);
            waited.get(10, TimeUnit.SECONDS);
        }
    }

    /** The race await guards against: the task ends after the waiter expected it but before it waits. */
    @Test
    void aNoticeGivenBeforeTheWaitIsNotMissed() throws Exception {
        FinishNotices notices = new FinishNotices();
        for (int i = 0; i < 200; i++) {
            FinishNotices.Expected expected = notices.expect("task");
            notices.ended("task");
            long started = System.nanoTime();
            expected.await(NEVER_MS);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
        }
    }

    @Test
    void aWaiterThatGaveUpLeavesNothingBehind() throws Exception {
        FinishNotices notices = new FinishNotices();
        FinishNotices.Expected expected = notices.expect("ended elsewhere");
        expected.await(1);
        notices.forget("ended elsewhere", expected);
        assertThat(notices.expect("ended elsewhere").notice()).isNotSameAs(expected.notice());
    }
}
