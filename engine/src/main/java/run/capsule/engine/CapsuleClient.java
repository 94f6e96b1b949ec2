package run.capsule.engine;

import run.capsule.engine.spec.Cancellation;
import run.capsule.engine.pool.RunnerLauncher;
import run.capsule.engine.pool.RunnerPool;
import run.capsule.engine.retention.PruneRequest;
import run.capsule.engine.retention.Retention;
import run.capsule.store.PruneReport;
import run.capsule.store.ExportedTree;
import run.capsule.store.AttemptRow;
import run.capsule.store.CancelOutcome;
import run.capsule.store.EventRow;
import run.capsule.protocol.HostRequest;
import run.capsule.store.DrainOutcome;
import run.capsule.store.Journal;
import run.capsule.store.NodeRow;
import run.capsule.store.NewTask;
import run.capsule.store.QueryResult;
import run.capsule.store.StepRow;
import run.capsule.store.TaskRow;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.Map;
import java.util.Optional;
import run.capsule.engine.calls.Cancellations;
import run.capsule.engine.execution.ActiveAttempts;
import run.capsule.engine.execution.AttemptRunner;
import run.capsule.engine.execution.CrashedModules;
import run.capsule.engine.execution.FinishNotices;
import run.capsule.engine.execution.TaskResults;
import run.capsule.engine.guards.ProtectedPaths;
import run.capsule.engine.node.RetryTimers;
import run.capsule.engine.guards.SecretBox;
import run.capsule.engine.programs.ModuleFiles;
import run.capsule.engine.programs.PreparedTask;
import run.capsule.engine.programs.Programs;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskIds;
import run.capsule.engine.spec.TaskProgram;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/**
 * A handle on the journal that submits, queries, waits for and cancels tasks, and manages schedules, but runs nothing
 * and is no node (no heartbeat): what {@code capsule submit}, {@code status} or an API server needs. It still starts
 * runner processes to describe Python and JavaScript sources. {@link Capsule} is a node: a client that also runs tasks.
 * <pre>{@code
 * try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().build())) {
 *     String id = client.submit(spec, SubmitOptions.NOW).taskId();   // a worker runs it
 *     TaskResult result = client.await(id, Duration.ofMinutes(5)).orElseThrow();
 * }
 * }</pre>
 */
public class CapsuleClient implements AutoCloseable {
    private static final long POLL_MS = 100;
    final CapsuleOptions options;
    final Journal journal;
    final RunnerPool pool;
    final ModuleFiles moduleFiles;
    final ActiveAttempts active = new ActiveAttempts();
    final FinishNotices finishNotices = new FinishNotices();
    final AttemptRunner attemptRunner;
    final Programs programs;
    final SecretBox secrets;
    final TaskResults results;
    final Cancellations cancellations;
    private final ProtectedPaths protectedPaths;

    CapsuleClient(CapsuleOptions options, Journal journal, RunnerPool pool) {
        this.options = options;
        this.journal = journal;
        this.pool = pool;
        this.moduleFiles = new ModuleFiles(options.cacheDir());
        this.secrets = SecretBox.forJournal(options.journal());
        List<Path> journalDirs = new java.util.ArrayList<>(options.journal().fileDirectory().stream().toList());
        Path keyDir = SecretBox.keyFile(options.journal()).toAbsolutePath().getParent();
        if (keyDir != null) {
            journalDirs.add(keyDir);
        }
        this.protectedPaths = new ProtectedPaths(journalDirs, options.cacheDir());
        this.attemptRunner = new AttemptRunner(pool, options.killGrace(), CrashedModules.journaled(journal.modules()), options.cacheDir());
        this.programs = new Programs(options.cacheDir(), attemptRunner);
        this.results = new TaskResults(journal);
        this.cancellations = new Cancellations(journal, active);
    }

    /** Opens the journal (migrating it if needed) as a client. */
    public static CapsuleClient open(CapsuleOptions options) {
        return new CapsuleClient(options, Journal.open(options.journal()), newPool(options));
    }

    static RunnerPool newPool(CapsuleOptions options) {
        return new RunnerPool(RunnerLauncher.forThisJvm(options.cacheDir()), options.runners(), options.runnerStartTimeout());
    }

    /**
     * For a Python or JavaScript source: fetches its interpreter, describes the source (cached) and returns the spec of
     * its entry task with that task's declared options applied ({@code env} supplies the values of the environment
     * variables the task declares). Any other spec is returned as it is. Throws {@link InvalidInputException} with one
     * line for a source that cannot load or declares no such task.
     */
    public TaskSpec resolve(TaskSpec spec, Map<String, String> env) throws InterruptedException {
        return spec.isProgram() ? programs.resolve(spec, env) : spec;
    }

    private TaskSpec resolveNow(TaskSpec spec) {
        try {
            return resolve(spec, System.getenv());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidInputException("interrupted while describing " + spec.module());
        }
    }

    /** What {@code capsule build} reports for a source: its tasks, and whether describing it was served from the cache. */
    /** {@code transpiled}: a TypeScript source whose types were stripped ({@code transpileMs} 0 when from the cache). */
    public record Build(String file, String language, String sourceSha256, List<String> tasks, boolean cached, long describeMs,
                        List<String> localModules, boolean transpiled, long transpileMs) {
    }

    /** Prepares a Python or JavaScript source ahead of its first run: interpreter fetched, source described, module compiled. */
    public Build build(Path source) throws InterruptedException {
        return build(source, List.of());
    }

    /** As {@link #build(Path)}, with the directories of pure-Python packages the source may import. */
    public Build build(Path source, List<Path> pythonPath) throws InterruptedException {
        Programs.Described described = programs.describe(source, pythonPath);
        if (!described.cached()) {
            programs.compileForTasks(source, described);
        }
        return new Build(source.getFileName().toString(), TaskProgram.languageOf(source), described.sourceSha256(),
                described.tasks().keySet().stream().sorted().toList(), described.cached(), described.describeMs(), described.files(),
                described.transpiled(), described.transpileMs());
    }

    Path file(TaskSpec spec, String sha, byte[] bytes) {
        return spec.program() != null ? programs.sourceFile(sha, spec.program().file(), bytes, spec.program().files())
                : moduleFiles.ensure(sha, bytes);
    }

    /** Queues a task for a worker; returns its id at once (the first task's id when the idempotency key was used). */
    public SubmitResult submit(TaskSpec spec, SubmitOptions submit) {
        return submit(spec, submit, Map.of());
    }

    /** As {@link #submit(TaskSpec, SubmitOptions)}, with labels journaled in {@code task_labels} (docs/sql.md). */
    public SubmitResult submit(TaskSpec spec, SubmitOptions submit, Map<String, String> labels) {
        PreparedTask prepared = prepare(resolveNow(spec));
        NewTask task = newTask(prepared, submit).withLabels(labels, null);
        String id = journal.tasks().create(task, prepared.moduleBytes());
        SubmitResult result = new SubmitResult(id, id.equals(task.id()));
        if (result.created() && submit.runAt() == null) {
            queued();
        }
        return result;
    }

    public record SubmitResult(String taskId, boolean created) {
    }

    /**
     * Queues many tasks in one transaction (one commit, multi-row inserts) and returns their ids in order: all are
     * journaled or, on any error, none. A spec that appears more than once is read and checked once. Refuses an
     * idempotency key (it names one task).
     */
    public List<String> submitAll(List<TaskSpec> specs, SubmitOptions submit) {
        if (submit.idempotencyKey() != null) {
            throw new InvalidInputException("submitAll takes no idempotency key: submit each task on its own to use one");
        }
        Map<TaskSpec, PreparedTask> prepared = new HashMap<>();
        Map<String, byte[]> modules = new HashMap<>();
        List<NewTask> tasks = new ArrayList<>(specs.size());
        for (TaskSpec spec : specs) {
            PreparedTask task = prepared.computeIfAbsent(spec, s -> prepare(resolveNow(s)));
            modules.putIfAbsent(task.moduleSha256(), task.moduleBytes());
            tasks.add(newTask(task, submit));
        }
        journal.tasks().createAll(tasks, modules);
        if (!tasks.isEmpty() && submit.runAt() == null) {
            queued();
        }
        return tasks.stream().map(NewTask::id).toList();
    }

    /** A task due now was queued from this process: a client runs nothing, a node wakes its workers. */
    void queued() {
    }

    /** Checks a resolved spec and reads its module; refuses grants of the journal, the cache or Capsule's own code. */
    PreparedTask prepare(TaskSpec resolved) {
        checkGrants(resolved);
        return PreparedTask.prepare(resolved);
    }

    /** Refuses grants of this node's journal, cache, secrets key or code (the node that runs a task checks them again). */
    void checkGrants(TaskSpec spec) {
        protectedPaths.check(spec.mounts());
        if (spec.program() != null && spec.program().approval() != null) {
            protectedPaths.check(spec.program().approval().mounts());
        }
    }


    NewTask newTask(PreparedTask prepared, SubmitOptions submit) {
        OffsetDateTime runAt = submit.runAt() == null ? null : submit.runAt().atOffset(ZoneOffset.UTC);
        return new NewTask(TaskIds.next(), prepared.spec().name(), null, prepared.moduleSha256(),
                prepared.spec().retryPolicy().maxRetries(), prepared.configJson(), secrets.seal(prepared.envJson()), runAt, submit.idempotencyKey());
    }

    /** A recurring schedule: its name, Quartz cron expression (UTC), the task it queues, its next firing and whether it is paused. */
    public record Schedule(String name, String cron, String taskName, Instant nextFire, boolean paused) {
    }

    /** Stores a recurring schedule in the journal's database: at each firing a worker queues a new task. */
    public void addSchedule(String name, String cron, TaskSpec spec) {
        if (name == null || !name.matches("[A-Za-z0-9_.-]{1,100}")) {
            throw new InvalidInputException("schedule name must be 1-100 letters, digits, '.', '_' or '-'");
        }
        PreparedTask prepared = prepare(resolveNow(spec));
        journal.modules().put(prepared.moduleBytes());
        try (RetryTimers timers = RetryTimers.client(journal, options.nodeId())) {
            timers.addSchedule(name, cron, prepared, secrets.seal(prepared.envJson()));
        }
    }

    public List<Schedule> schedules() {
        try (RetryTimers timers = RetryTimers.client(journal, options.nodeId())) {
            return timers.schedules().stream().map(s -> new Schedule(s.name(), s.cron(), s.taskName(), s.nextFire(), s.paused())).toList();
        }
    }

    /** Pauses or resumes a schedule; false when there is none of that name. */
    public boolean pauseSchedule(String name, boolean paused) {
        try (RetryTimers timers = RetryTimers.client(journal, options.nodeId())) {
            return timers.pauseSchedule(name, paused);
        }
    }

    public boolean deleteSchedule(String name) {
        try (RetryTimers timers = RetryTimers.client(journal, options.nodeId())) {
            return timers.deleteSchedule(name);
        }
    }

    /**
     * Waits until the task ends and returns its envelope, or empty when {@code timeout} passes first. A task ended by this
     * node is answered as soon as its end is committed; others when the journal is next looked at (every 100 ms).
     */
    public Optional<TaskResult> await(String taskId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            FinishNotices.Expected notice = finishNotices.expect(taskId);
            try {
                Optional<TaskResult> result = result(taskId);
                if (result.isPresent()) {
                    return result;
                }
                if (journal.tasks().find(taskId).isEmpty()) {
                    throw new InvalidInputException("no task " + taskId);
                }
                long left = deadline - System.nanoTime();
                if (left < 0) {
                    return Optional.empty();
                }
                notice.await(Math.min(POLL_MS, Math.max(1, left / 1_000_000)));
            } finally {
                finishNotices.forget(taskId, notice);
            }
        }
    }

    /**
     * Cancels a task and its unfinished child tasks at any depth (see {@link #cancelTree}); returns what it did to the
     * task itself: a pending one never runs; a running attempt is stopped and recorded CANCELLED.
     */
    public CancelOutcome cancel(String taskId) {
        return cancelTree(taskId).outcome();
    }


    /**
     * Cancels a task, then each of its unfinished descendants (walking {@code parent_id}), parent before children, so
     * that a waiting parent is stopped before its children end. A descendant that ends meanwhile is skipped. The
     * descendants are cancelled even when the task itself had already ended (a finished task may leave children running).
     */
    public Cancellation cancelTree(String taskId) {
        return cancellations.cancelTree(taskId);
    }

    /** The envelope of a finished task as journaled, or empty while it is not finished (or unknown). */
    public Optional<TaskResult> result(String taskId) {
        return results.of(taskId);
    }

    public Optional<TaskRow> task(String taskId) {
        return journal.tasks().find(taskId);
    }

    /** Resolves a full id or a unique prefix of one. */
    public Optional<TaskRow> findTask(String idOrPrefix) {
        Optional<TaskRow> exact = journal.tasks().find(idOrPrefix);
        if (exact.isPresent()) {
            return exact;
        }
        List<TaskRow> matches = journal.tasks().findByPrefix(idOrPrefix);
        if (matches.size() > 1) {
            throw new InvalidInputException("task id prefix '" + idOrPrefix + "' is ambiguous");
        }
        return matches.stream().findFirst();
    }

    public List<TaskRow> recentTasks(int limit) {
        return journal.tasks().recent(limit);
    }

    public List<AttemptRow> attempts(String taskId) {
        return journal.tasks().attempts(taskId);
    }

    /** The network requests one attempt made through the host-call channel, as journaled. */
    public List<HostRequest> hostRequests(String taskId, int attemptNo) {
        return journal.tasks().hostRequests(taskId, attemptNo);
    }

    /** The journaled steps of a task, in order (docs/steps.md). */
    public List<StepRow> steps(String taskId) {
        return journal.steps().steps(taskId);
    }

    /** The child tasks of a task, oldest first. */
    public List<TaskRow> children(String taskId) {
        return journal.tasks().children(taskId);
    }

    public List<EventRow> events(String taskId) {
        return journal.tasks().events(taskId);
    }

    /**
     * Queues a new task with the same module or source, config and approval as {@code taskId}, linked to it
     * ({@code tasks.rerun_of}). {@code inputJson} (a source task's {@code {"args", "kwargs"}}) or {@code args} (a module's)
     * replace the original's when not null. Refused with {@link RerunRefusedException} for a child task and for a task
     * whose environment values were already forgotten.
     */
    public SubmitResult rerun(String taskId, String inputJson, List<String> args, Map<String, String> labels) {
        return new Reruns(journal).rerun(taskId, inputJson, args, labels);
    }

    /** Filtered pages of tasks, newest first (the service's task list). */
    public run.capsule.store.TaskListing listing() {
        return journal.listing();
    }

    /** Status changes by event id, for live streams. */
    public run.capsule.store.EventFeed eventFeed() {
        return journal.eventFeed();
    }

    /** Counts over the journal: tasks by status, the queue, throughput over the last hour, nodes. */
    public run.capsule.store.JournalStats.Snapshot stats() {
        return journal.stats().snapshot();
    }

    /** Due PENDING and RETRY_WAIT tasks. */
    public int queueDepth() {
        return journal.stats().queueDepth();
    }

    /** The guest's stdout and stderr of each attempt of a task, as journaled. */
    public List<run.capsule.store.AttemptOutputs.Row> output(String taskId) {
        return journal.outputs().of(taskId);
    }

    /** Whether the journal's database answers. */
    public boolean journalReachable() {
        try {
            journal.nodes().databaseNow();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Deletes finished task trees by the request (docs/sql.md, "Retention"); one {@code prune_runs} row records the run. */
    public PruneReport prune(PruneRequest request) {
        return prune(request, () -> false);
    }

    /** The same, stopping between two batches once {@code stop} says so (the report's outcome is then INTERRUPTED). */
    public PruneReport prune(PruneRequest request, BooleanSupplier stop) {
        Set<String> scheduled;
        try (RetryTimers timers = RetryTimers.client(journal, options.nodeId())) {
            scheduled = timers.scheduledModules();
        }
        return new Retention(journal, options.nodeId()).prune(request, scheduled, stop);
    }

    /**
     * Hands each task tree whose root was created in [since, until) (null: open) to {@code sink}, oldest first, with
     * its attempts, events, steps, host requests, labels, output and modules (their bytes when {@code withModuleBytes});
     * docs/sql.md, "Export".
     */
    public long exportTrees(Instant since, Instant until, boolean withModuleBytes, Consumer<ExportedTree> sink) {
        return journal.export().export(since == null ? null : since.atOffset(ZoneOffset.UTC), until == null ? null : until.atOffset(ZoneOffset.UTC),
                withModuleBytes, sink);
    }

    /** The engine nodes registered in the journal, live ones first (docs/operations.md, {@code capsule nodes}). */
    public List<NodeRow> nodes() {
        return journal.nodes().list();
    }

    public Optional<NodeRow> node(String nodeId) {
        return journal.nodes().find(nodeId);
    }

    /**
     * Asks a node to drain, through the journal (so from any machine): on its next heartbeat it stops claiming, lets its
     * running attempts finish within its drain timeout, hands back the rest and stops ({@code capsule drain}).
     */
    public DrainOutcome drain(String nodeId) {
        return journal.nodes().requestDrain(nodeId);
    }

    /** The database's clock, which journal times use. */
    public Instant databaseNow() {
        return journal.nodes().databaseNow().toInstant();
    }

    /** A read-only SQL query over the journal tables. */
    public QueryResult query(String sql, int maxRows) {
        return journal.readOnlySql().query(sql, maxRows);
    }

    /** The same, cancelled once it has run {@code timeout} (a {@code JournalException} says so). */
    public QueryResult query(String sql, int maxRows, Duration timeout) {
        return journal.readOnlySql().query(sql, maxRows, timeout);
    }

    public CapsuleOptions options() {
        return options;
    }

    Journal journal() {
        return journal;
    }

    @Override
    public void close() {
        try {
            pool.close();
        } finally {
            journal.close();
        }
    }
}
