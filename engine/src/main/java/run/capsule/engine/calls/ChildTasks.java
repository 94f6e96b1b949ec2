package run.capsule.engine.calls;

import run.capsule.protocol.EngineOp;
import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.engine.pool.RunnerPool;
import run.capsule.engine.pool.RunnerProcess;
import run.capsule.store.AttemptRow;
import run.capsule.store.Journal;
import run.capsule.protocol.StepRecord;
import run.capsule.store.NewTask;
import run.capsule.store.TaskRow;
import run.capsule.store.StaleTransitionException;
import run.capsule.store.TaskStatus;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import run.capsule.engine.execution.AttemptCalls;
import run.capsule.engine.execution.TaskResults;
import run.capsule.engine.guards.SecretBox;
import run.capsule.engine.programs.PreparedTask;
import run.capsule.engine.programs.Programs;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.LimitExceededException;
import run.capsule.engine.spec.TaskIds;
import run.capsule.engine.spec.TaskSpec;

/**
 * Child tasks of Python and JavaScript tasks (docs/languages.md): serves {@code task.start}, {@code task.wait},
 * {@code task.call} and {@code step.record} (docs/steps.md) for a running attempt. A child is journaled with {@code parent_id}, run to its end in its own
 * sandbox by this node (or by whichever node claims it first), with its own limits and retries. While a parent waits
 * it gives its runner slot to the pool, so a tree of any depth or width completes on N runners. A task being cancelled
 * (its tree is cancelled parent first, {@link Capsule#cancelTree}) starts no more children and is answered
 * {@code cancelled} rather than its children's results.
 */
public final class ChildTasks implements AttemptCalls {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long POLL_MS = 100;
    /** How the runner words an attempt suspended by a {@code suspend} reply (runner StepCalls); parents so suspended wake on a child's end. */
    /** The longest a parent suspended while waiting sleeps before its replay looks again (a child's end wakes it sooner). */
    private static final long SUSPENDED_RECHECK_MS = 1000;
    /** How often a task that holds its runner while waiting checks that its children can still get one. */
    private static final long STARVATION_CHECK_NS = 1_000_000_000L;
    /** The most distinct ids one wait may name (each is looked up while it waits). */
    private static final int MAX_WAIT_IDS = 10_000;

    /** Runs a journaled task to its end on this node, in the background. */
    public interface Driver {
        CompletableFuture<Void> drive(String taskId);
    }

    private final Set<String> driving = ConcurrentHashMap.newKeySet();

    private final Journal journal;
    private final Programs programs;
    private final RunnerPool pool;
    private final Driver driver;
    private final TaskResults envelopes;
    private final SecretBox secrets;
    private final boolean durable;
    private final Object finished = new Object();

    /** {@code durable}: attempts journal their steps, so a waiting parent can be suspended and resumed by replay. */
    public ChildTasks(Journal journal, Programs programs, RunnerPool pool, Driver driver, TaskResults results, SecretBox secrets, boolean durable) {
        this.journal = journal;
        this.programs = programs;
        this.pool = pool;
        this.driver = driver;
        this.envelopes = results;
        this.secrets = secrets;
        this.durable = durable;
    }

    /**
     * Wakes waiting parents: a task ended on this node. A parent that was suspended while waiting for its children is
     * made due at once, so its replay does not wait out its resume timer.
     */
    @Override
    public void taskEnded(String taskId, TaskStatus status) {
        synchronized (finished) {
            finished.notifyAll();
        }
        if (status == null || !status.isFinal()) {
            return;
        }
        journal.tasks().find(taskId).map(TaskRow::parentId).ifPresent(parentId -> {
            List<AttemptRow> attempts = journal.tasks().attempts(parentId);
            if (!attempts.isEmpty() && attempts.get(attempts.size() - 1).errorMessage() != null
                    && attempts.get(attempts.size() - 1).errorMessage().startsWith(AttemptCalls.SUSPENDED_WAITING)) {
                journal.tasks().makeDue(parentId, "a child task ended: resuming");
            }
        });
    }

    @Override
    public RunnerProcess.CallHandler forAttempt(String parentId, int attemptNo, TaskSpec parent) {
        if (parent.program() == null) {
            return RunnerProcess.CallHandler.NONE;
        }
        return request -> {
            try {
                if (request instanceof EngineOp.ChildRequest && journal.tasks().isCancelRequested(parentId)) {
                    return error(ErrorType.CANCELLED, "this task is being cancelled: it starts no more child tasks");
                }
                if (request instanceof EngineOp.StartChild start) {
                    return JSON.createObjectNode().put("id", start(parentId, attemptNo, parent, start));
                }
                if (request instanceof EngineOp.CallChild call) {
                    String id = start(parentId, attemptNo, parent, call);
                    ObjectNode results = waitFor(parentId, attemptNo, List.of(id), false, -1);
                    if (results.has("error")) {
                        return results;
                    }
                    ObjectNode reply = JSON.createObjectNode().put("id", id);
                    reply.set("envelope", results.path("results").path(id));
                    return reply;
                }
                if (request instanceof EngineOp.WaitChildren wait) {
                    return waitFor(parentId, attemptNo, ids(wait), wait.any(), wait.timeoutMs() == null ? -1 : wait.timeoutMs());
                }
                if (request instanceof EngineOp.RecordSteps record) {
                    journal.steps().record(parentId, attemptNo, record.steps());
                    return JSON.createObjectNode();
                }
                return error(ErrorType.UNKNOWN_OP, "unknown op \"" + request.op() + "\"");
            } catch (StaleTransitionException e) {
                // this node lost the attempt (docs/operations.md): nothing it asks for is journaled any more
                return error(ErrorType.LOST, e.getMessage());
            } catch (LimitExceededException e) {
                return error(ErrorType.LIMIT_EXCEEDED, e.getMessage());
            } catch (InvalidInputException e) {
                return error(e.getMessage().startsWith("no task named") ? ErrorType.UNKNOWN_TASK : ErrorType.BAD_REQUEST, e.getMessage());
            }
        };
    }

    private String start(String parentId, int attemptNo, TaskSpec parent, EngineOp.ChildRequest request) {
        String name = request.task() == null ? "" : request.task();
        if (name.isEmpty()) {
            throw new InvalidInputException("task.start needs a \"task\" name");
        }
        ObjectNode input = JSON.createObjectNode();
        input.set("args", request.args() != null && request.args().isArray() ? request.args() : JSON.createArrayNode());
        input.set("kwargs", request.kwargs() != null && request.kwargs().isObject() ? request.kwargs() : JSON.createObjectNode());
        TaskSpec child = programs.child(parent, name, input.toString());
        int maxChildren = child.program().approval().policy().maxChildren();
        int unfinished = journal.tasks().unfinishedChildren(parentId);
        if (unfinished >= maxChildren) {
            throw new LimitExceededException("task " + parent.name() + " has " + unfinished + " unfinished child tasks, the most its job allows"
                    + " (--max-children, [tasks] max_children): wait for some before starting more");
        }
        PreparedTask prepared = PreparedTask.prepare(child);
        String id = TaskIds.next();
        NewTask task = new NewTask(id, child.name(), parentId, prepared.moduleSha256(), child.retryPolicy().maxRetries(),
                prepared.configJson(), secrets.seal(prepared.envJson()), null, null);
        EngineOp.ChildStep step = request.step();
        if (step != null) {
            List<StepRecord> steps = new ArrayList<>(step.pending());
            ObjectNode stepRequest = JSON.createObjectNode();
            stepRequest.set("args", input.get("args"));
            stepRequest.set("kwargs", input.get("kwargs"));
            steps.add(new StepRecord(step.stepNo(), StepRecord.CHILD, name, stepRequest.toString(),
                    JSON.createObjectNode().put("id", id).toString(), id, 0));
            journal.tasks().createChild(task, prepared.moduleBytes(), attemptNo, steps);
        } else {
            journal.tasks().createChild(task, prepared.moduleBytes(), attemptNo, List.of());
        }
        if (journal.tasks().isCancelRequested(parentId)) {
            // the parent's cancellation raced this start and may have listed its descendants before this child existed
            journal.tasks().requestCancel(id);
            return id;
        }
        drive(id);
        return id;
    }

    /** Makes sure this node runs the child to its end unless it is already doing so (an adopted child after a replay). */
    private void drive(String id) {
        if (driving.add(id)) {
            driver.drive(id).whenComplete((v, e) -> driving.remove(id));
        }
    }

    /** Waits for the children {@code ids} (any one of them with {@code any}); with {@code timeoutMs} ≥ 0, returns what has finished by then. */
    private ObjectNode waitFor(String parentId, int attemptNo, List<String> ids, boolean any, long timeoutMs) {
        long deadline = timeoutMs < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMs * 1_000_000;
        for (String id : ids) {
            Optional<TaskRow> child = journal.tasks().find(id);
            if (child.isEmpty() || !parentId.equals(child.get().parentId())) {
                return error(ErrorType.BAD_REQUEST, "task " + id + " is not a child of this task");
            }
            TaskStatus status = child.get().status();
            if (status == TaskStatus.PENDING || status == TaskStatus.RETRY_WAIT) {
                drive(id);
            }
        }
        ObjectNode ready = ready(parentId, ids, any, timeoutMs == 0);
        if (ready != null) {
            return ready;
        }
        // A durable task waits holding its runner and slot while the pool keeps one slot for others; past that it is
        // suspended and resumed by replay when its children end, so --runners bounds the node's runner processes at any
        // depth. A task that cannot be replayed gives its slot to its children instead (a process per waiting level).
        boolean holding = durable && pool.holdWhileWaiting();
        if (durable && !holding && suspendable(parentId, ids, timeoutMs)) {
            return suspendReply();
        }
        if (!holding) {
            pool.park();
        }
        long lastStarvationCheck = System.nanoTime();
        try {
            while (true) {
                ready = ready(parentId, ids, any, timeoutMs >= 0 && System.nanoTime() >= deadline);
                if (ready != null) {
                    return ready;
                }
                Optional<TaskRow> parent = journal.tasks().find(parentId);
                if (parent.isEmpty() || parent.get().status() != TaskStatus.RUNNING || parent.get().attempts() != attemptNo) {
                    return error(ErrorType.CANCELLED, "the waiting attempt is no longer current");
                }
                if (holding && System.nanoTime() - lastStarvationCheck >= STARVATION_CHECK_NS) {
                    lastStarvationCheck = System.nanoTime();
                    if (starved(ids)) {
                        // the runner kept free went to a task this one does not wait for: hold no longer
                        if (suspendable(parentId, ids, timeoutMs)) {
                            return suspendReply();
                        }
                        pool.endHold();
                        holding = false;
                        pool.park();
                    }
                }
                synchronized (finished) {
                    finished.wait(timeoutMs < 0 ? POLL_MS : Math.max(1, Math.min(POLL_MS, (deadline - System.nanoTime()) / 1_000_000)));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(ErrorType.CANCELLED, "interrupted while waiting for child tasks");
        } finally {
            if (holding) {
                pool.endHold();
            } else if (timeoutMs < 0) {
                pool.unpark();
            } else {
                pool.unparkNow();
            }
        }
    }

    /** An untimed wait on children the replay will adopt (journaled child steps): one started untracked would start again. */
    private boolean suspendable(String parentId, List<String> ids, long timeoutMs) {
        return timeoutMs < 0 && journal.steps().journaledChildren(parentId, ids).size() == ids.size();
    }

    private static ObjectNode suspendReply() {
        ObjectNode reply = error(ErrorType.SUSPEND, AttemptCalls.SUSPENDED_WAITING + ": no runner to spare on this node");
        ((ObjectNode) reply.get("error")).put("retry_ms", SUSPENDED_RECHECK_MS);
        return reply;
    }

    /**
     * Whether no child waited for is running while this task holds its runner: each unfinished one is queued or waits for
     * a runner (a sibling this task does not wait for took the runner the pool kept free).
     */
    private boolean starved(List<String> ids) {
        boolean anyWaiting = false;
        for (String id : ids) {
            Optional<TaskRow> child = journal.tasks().find(id);
            if (child.isEmpty() || child.get().status().isFinal()) {
                continue;
            }
            if (child.get().status() == TaskStatus.RUNNING && !pool.isWaitingForRunner(id)) {
                return false;
            }
            anyWaiting = true;
        }
        return anyWaiting;
    }

    /** The reply to a wait when it can be given now (every child ended, any one with {@code any}, or {@code expired}); else null. */
    private ObjectNode ready(String parentId, List<String> ids, boolean any, boolean expired) {
        ObjectNode results = JSON.createObjectNode();
        for (String id : ids) {
            envelopes.of(id).ifPresent(r -> results.set(id, JSON.valueToTree(r)));
        }
        if (results.size() == ids.size() || (any && results.size() > 0) || expired) {
            if (journal.tasks().isCancelRequested(parentId)) {
                // cancelling a tree ends the children after the parent was asked to stop: not results to act on
                return error(ErrorType.CANCELLED, "this task is being cancelled");
            }
            ObjectNode reply = JSON.createObjectNode();
            reply.set("results", results);
            return reply;
        }
        return null;
    }

    private static List<String> ids(EngineOp.WaitChildren request) {
        LinkedHashSet<String> ids = new LinkedHashSet<>(request.ids());
        if (ids.isEmpty()) {
            throw new InvalidInputException("task.wait needs a non-empty \"ids\" list");
        }
        if (ids.size() > MAX_WAIT_IDS) {
            throw new InvalidInputException("task.wait takes at most " + MAX_WAIT_IDS + " ids, got " + ids.size());
        }
        return List.copyOf(ids);
    }

    private static ObjectNode error(ErrorType type, String message) {
        ObjectNode reply = JSON.createObjectNode();
        reply.putObject("error").put("type", type.wireName()).put("message", message);
        return reply;
    }
}
