package run.capsule.engine.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.AttemptEnd;
import run.capsule.store.Claim;
import run.capsule.store.StaleTransitionException;
import run.capsule.store.TaskJournal;
import run.capsule.store.TaskStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Journals the ends of attempts that finish close together in one transaction, written by one writer thread: whatever
 * queued while the previous commit ran goes into the next one. {@link #finish} returns only once the commit holding its
 * attempt's end has returned, so nobody (the awaiting {@code run}, listeners, a retry timer, the node's finish
 * notice) hears of an outcome before it is on disk (docs/durability.md, "Group commit").
 * Should a group's transaction fail (one end refused as stale, a database error), nothing of it is written and its ends
 * are written again one transaction each, so each caller gets exactly the answer it would have had alone.
 * With a {@link NextClaims} (a worker), each group also claims the due tasks the worker has room for in the same
 * transaction, so the attempts that end free their runners for the next tasks with no claim commit of their own.
 */
public final class GroupCommit implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    /** Ends per transaction at most: bounds the transaction's size when a large backlog finishes at once. */
    static final int MAX_GROUP = 64;
    private static final Pending STOP = new Pending(null, null);

    private final Writes writes;
    private volatile NextClaims next;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private boolean open = true;

    public GroupCommit(TaskJournal tasks) {
        this(new Writes() {
            @Override
            public TaskJournal.EndsAndClaims group(List<AttemptEnd> ends, String nodeId, int claims) {
                return tasks.finishAttempts(ends, nodeId, claims);
            }

            @Override
            public TaskStatus one(AttemptEnd end) {
                return tasks.finishAttempt(end.taskId(), end.attemptNo(), end.outcome(), end.retryAt(), end.reason());
            }
        });
    }

    /** The journal writes; given by a test that holds a group's commit. */
    interface Writes {
        TaskJournal.EndsAndClaims group(List<AttemptEnd> ends, String nodeId, int claims);

        TaskStatus one(AttemptEnd end);
    }

    GroupCommit(Writes writes) {
        this.writes = writes;
        this.writer = new Thread(this::write, "capsule-group-commit");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    private record Pending(AttemptEnd end, CompletableFuture<TaskStatus> committed) {
    }

    /** From now on each group also claims the due tasks {@code claims} wants, in its transaction. */
    public synchronized void claimNextWith(NextClaims claims) {
        next = claims;
    }

    /** No more claims for {@code claims} (its worker stops); another worker's registration stays. */
    public synchronized void stopClaimingFor(NextClaims claims) {
        if (next == claims) {
            next = null;
        }
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
            return writes.one(end);
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
                try {
                    commit(group);
                } catch (RuntimeException e) {
                    group.forEach(pending -> pending.committed().completeExceptionally(e));
                }
            }
            group.clear();
            if (stop) {
                return;
            }
        }
    }

    private void commit(List<Pending> group) {
        NextClaims claimer = next;
        int wanted = claimer == null || group.isEmpty() ? 0 : claimer.wanted(group.size());
        if (group.size() > 1 || wanted > 0) {
            TaskJournal.EndsAndClaims written = null;
            try {
                written = writes.group(group.stream().map(Pending::end).toList(), claimer == null ? null : claimer.nodeId(), wanted);
            } catch (RuntimeException e) {
                log.debug("group of {} attempt ends not written together ({}); writing each alone", group.size(), e.toString());
            }
            if (written != null) {
                if (!written.claims().isEmpty()) {
                    handOn(claimer, written.claims());
                }
                for (int i = 0; i < group.size(); i++) {
                    group.get(i).committed().complete(written.statuses().get(i));
                }
                return;
            }
        }
        for (Pending pending : group) {
            try {
                pending.committed().complete(writes.one(pending.end()));
            } catch (RuntimeException e) {
                pending.committed().completeExceptionally(e);
            }
        }
    }

    private static void handOn(NextClaims claimer, List<Claim> claims) {
        try {
            claimer.claimed(claims);
        } catch (RuntimeException e) {
            log.error("{} claimed task(s) not handed to the worker (recovered with the node): {}", claims.size(), e.toString());
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
