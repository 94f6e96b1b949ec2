package run.capsule.engine.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.AttemptEnd;
import run.capsule.store.StaleTransitionException;
import run.capsule.store.TaskJournal;
import run.capsule.store.TaskStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * Journals the ends of attempts that finish close together in one transaction, written by one writer thread: whatever
 * queued while the previous commit ran goes into the next one. {@link #finish} returns only once the commit holding its
 * attempt's end has returned, so nobody (the awaiting {@code run}, listeners, a retry timer, the node's finish
 * notice) hears of an outcome before it is on disk (docs/durability.md, "Group commit").
 * Should a group's transaction fail (one end refused as stale, a database error), nothing of it is written and its ends
 * are written again one transaction each, so each caller gets exactly the answer it would have had alone.
 */
public final class GroupCommit implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    /** Ends per transaction at most: bounds the transaction's size when a large backlog finishes at once. */
    static final int MAX_GROUP = 64;
    private static final Pending STOP = new Pending(null, null);

    private final Function<List<AttemptEnd>, List<TaskStatus>> writeGroup;
    private final Function<AttemptEnd, TaskStatus> writeOne;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private boolean open = true;

    public GroupCommit(TaskJournal tasks) {
        this(tasks::finishAttempts, end -> tasks.finishAttempt(end.taskId(), end.attemptNo(), end.outcome(), end.retryAt(), end.reason()));
    }

    /** With the writes given: for a test that holds a group's commit. */
    GroupCommit(Function<List<AttemptEnd>, List<TaskStatus>> writeGroup, Function<AttemptEnd, TaskStatus> writeOne) {
        this.writeGroup = writeGroup;
        this.writeOne = writeOne;
        this.writer = new Thread(this::write, "capsule-group-commit");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    private record Pending(AttemptEnd end, CompletableFuture<TaskStatus> committed) {
    }

    /**
     * Journals the end of an attempt with those of others that finish meanwhile, and returns the task's status once that
     * is committed; throws {@link StaleTransitionException} when the attempt was no longer current (nothing written).
     * Not interruptible: the outcome is written whatever happens to the caller, who is told only after.
     */
    public TaskStatus finish(AttemptEnd end) {
        Pending pending = new Pending(end, new CompletableFuture<>());
        boolean queued;
        synchronized (this) {
            queued = open && queue.add(pending);
        }
        if (!queued) {
            return writeOne.apply(end);
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return pending.committed().get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void write() {
        List<Pending> group = new ArrayList<>();
        while (true) {
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(group, MAX_GROUP - 1);
            boolean stop = group.remove(STOP);
            if (!group.isEmpty()) {
                commit(group);
            }
            group.clear();
            if (stop) {
                return;
            }
        }
    }

    private void commit(List<Pending> group) {
        if (group.size() > 1) {
            try {
                List<TaskStatus> statuses = writeGroup.apply(group.stream().map(Pending::end).toList());
                for (int i = 0; i < group.size(); i++) {
                    group.get(i).committed().complete(statuses.get(i));
                }
                return;
            } catch (RuntimeException e) {
                log.debug("group of {} attempt ends not written together ({}); writing each alone", group.size(), e.toString());
            }
        }
        for (Pending pending : group) {
            try {
                pending.committed().complete(writeOne.apply(pending.end()));
            } catch (RuntimeException e) {
                pending.committed().completeExceptionally(e);
            }
        }
    }

    /** Writes what is queued, then stops the writer; later ends are written by their callers, one transaction each. */
    @Override
    public void close() {
        synchronized (this) {
            if (!open) {
                return;
            }
            open = false;
            queue.add(STOP);
        }
        try {
            writer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        left.remove(STOP);
        commit(left);
    }
}
