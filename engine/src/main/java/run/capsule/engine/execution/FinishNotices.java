package run.capsule.engine.execution;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node's notices that one of its attempts ended a task, given after the commit that journaled it: whoever awaits that
 * task on this node ({@code CapsuleClient.await}, {@code capsule wait} beside a worker in the same process) reads the
 * result at once instead of at its next poll. Tasks ended elsewhere (another node, a cancel) still reach it by the poll.
 */
public final class FinishNotices {
    private final ConcurrentHashMap<String, CompletableFuture<Void>> expected = new ConcurrentHashMap<>();

    /** Call before looking at the task, then {@link Expected#await} it: a notice given in between is not missed. */
    public Expected expect(String taskId) {
        return new Expected(expected.computeIfAbsent(taskId, id -> new CompletableFuture<>()));
    }

    /** The task's end is committed. */
    public void ended(String taskId) {
        CompletableFuture<Void> waiting = expected.remove(taskId);
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    /** The waiter has its answer (or gave up): no notice of the task is kept for it (another waiter's next look expects anew). */
    public void forget(String taskId, Expected notice) {
        expected.remove(taskId, notice.notice());
    }

    /** A notice being waited for. */
    public record Expected(CompletableFuture<Void> notice) {
        /** Returns when the notice came or after {@code maxMs}, whichever is first. */
        public void await(long maxMs) throws InterruptedException {
            try {
                notice.get(maxMs, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // the caller looks at the journal again either way
            }
        }
    }
}
