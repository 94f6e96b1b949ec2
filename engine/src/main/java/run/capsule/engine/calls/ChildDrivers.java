package run.capsule.engine.calls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.engine.execution.JournalOutage;
import run.capsule.store.Claim;
import run.capsule.store.Journal;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Drives child tasks on this node: one attempt at a time per thread, never more threads than twice the runners (a
 * waiting parent that holds its runner holds its thread too, and at most runners - 1 hold). A child not runnable yet
 * (another node runs it, a retry or resume not due) gives its thread back and is looked at again later.
 */
public final class ChildDrivers implements ChildTasks.Driver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChildDrivers.class);
    private static final long POLL_MS = 100;

    /** Runs one claimed attempt of a journaled task. */
    public interface Attempts {
        void execute(Claim claim) throws InterruptedException;
    }

    private final Journal journal;
    private final String nodeId;
    private final Attempts attempts;
    private final ScheduledExecutorService threads;

    public ChildDrivers(Journal journal, String nodeId, int runners, Attempts attempts) {
        this.journal = journal;
        this.nodeId = nodeId;
        this.attempts = attempts;
        this.threads = Executors.newScheduledThreadPool(2 * runners, r -> {
            Thread t = new Thread(r, "capsule-child-task");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs a journaled task to its end on this node's child-task threads; the future completes when it has ended. */
    @Override
    public CompletableFuture<Void> drive(String taskId) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        schedule(taskId, ended, 0);
        return ended;
    }

    private void schedule(String taskId, CompletableFuture<Void> ended, long delayMs) {
        try {
            threads.schedule(() -> lookOnce(taskId, ended), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            ended.complete(null); // this node is closing: another node takes the child from the queue
        }
    }

    /** One look at a child task: runs an attempt if it can be claimed, then schedules the next look unless it ended. */
    private void lookOnce(String taskId, CompletableFuture<Void> ended) {
        try {
            TaskRow task = journal.tasks().find(taskId).orElseThrow();
            if (task.status().isFinal()) {
                ended.complete(null);
                return;
            }
            if (task.status() == TaskStatus.RETRY_WAIT) {
                long waitMs = Duration.between(journal.nodes().databaseNow(), task.runAt()).toMillis();
                if (waitMs > 0) {
                    schedule(taskId, ended, Math.min(waitMs, 1000));
                    return;
                }
            }
            Optional<Integer> attemptNo = task.status() == TaskStatus.RUNNING ? Optional.empty()
                    : journal.tasks().claim(taskId, nodeId, false);
            if (attemptNo.isPresent()) {
                attempts.execute(new Claim(taskId, attemptNo.get()));
            }
            schedule(taskId, ended, attemptNo.isPresent() ? 0 : POLL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ended.complete(null);
        } catch (RuntimeException e) {
            if (JournalOutage.isConnectionLoss(e)) {
                schedule(taskId, ended, JournalOutage.MAX_BACKOFF.toMillis()); // look again once the journal may be back
                return;
            }
            log.error("child task {} failed in the engine: {}", taskId, e.toString());
            ended.completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
