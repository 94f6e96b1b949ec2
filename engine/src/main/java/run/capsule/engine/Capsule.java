package run.capsule.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.engine.runner.RunnerCrashedException;
import run.capsule.engine.runner.RunnerLauncher;
import run.capsule.engine.runner.RunnerPool;
import run.capsule.runner.guest.Interpreter;
import run.capsule.store.AttemptRow;
import run.capsule.store.AttemptStatus;
import run.capsule.store.CancelOutcome;
import run.capsule.store.Claim;
import run.capsule.store.EventRow;
import run.capsule.store.HostRequestRow;
import run.capsule.store.Journal;
import run.capsule.store.NewTask;
import run.capsule.store.PrivateFiles;
import run.capsule.store.QueryResult;
import run.capsule.store.StaleTransitionException;
import run.capsule.store.StepRow;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Java API of a Capsule engine node: run or queue tasks in sandboxed runner processes, journaled in SQL.
 * Every open {@code Capsule} is a node: it registers itself, heartbeats, and recovers the running attempts of
 * nodes whose lease lapsed.
 * <pre>{@code
 * try (Capsule capsule = Capsule.open(CapsuleOptions.builder().build())) {
 *     TaskResult result = capsule.run(TaskSpec.builder(Path.of("hello.wasm")).arg("Ada").build());
 *     String id = capsule.submit(spec, SubmitOptions.NOW).taskId();   // a worker runs it
 * }
 * }</pre>
 */
public final class Capsule implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Capsule.class);
    private static final long POLL_MS = 100;
    private final CapsuleOptions options;
    private final Journal journal;
    private final RunnerPool pool;
    private final ModuleFiles moduleFiles;
    private final ActiveAttempts active = new ActiveAttempts();
    private final AttemptExecutor executor;
    private final NodeMaintenance maintenance;
    private final boolean node;
    private final Programs programs;
    private final SecretBox secrets;
    private final ProtectedPaths protectedPaths;
    private final ChildDrivers childDrivers;
    private final Cancellations cancellations;
    private final TaskResults results;

    private Capsule(CapsuleOptions options, Journal journal, boolean node, RunnerPool pool) {
        this.node = node;
        this.options = options;
        this.journal = journal;
        this.pool = pool;
        this.moduleFiles = new ModuleFiles(options.cacheDir());
        this.secrets = SecretBox.forJournal(options.journal());
        this.protectedPaths = new ProtectedPaths(options.journal().fileDirectory().stream().toList(), options.cacheDir());
        AttemptRunner attemptRunner = new AttemptRunner(pool, options.killGrace(), CrashedModules.journaled(journal.modules()), options.cacheDir());
        this.executor = new AttemptExecutor(journal, attemptRunner, active, options.journalSteps(), options.suspendAfter(),
                options.stepLimits());
        this.programs = new Programs(options.cacheDir(), attemptRunner);
        this.results = new TaskResults(journal);
        this.cancellations = new Cancellations(journal, active);
        this.childDrivers = new ChildDrivers(journal, options.nodeId(), options.runners(), claim -> executeClaim(claim, TaskListener.NONE, null));
        this.executor.serveChildren(new ChildTasks(journal, programs, pool, childDrivers, results, secrets, options.journalSteps()));
        this.maintenance = new NodeMaintenance(journal, options, active);
    }

    /** Opens the journal (migrating it if needed) and registers this node. Runners start on first use. */
    public static Capsule open(CapsuleOptions options) {
        PrivateFiles.directory(options.cacheDir());
        RunnerPool pool = newPool(options);
        if (options.startRunnerEarly()) {
            startEarly(pool);
        }
        Journal journal;
        try {
            journal = Journal.open(options.journal());
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        try {
            int recovered = journal.tasks().recoverNode(options.nodeId(), "node " + options.nodeId() + " restarted", options.maxRecoveries());
            if (recovered > 0) {
                log.info("recovered {} task(s) this node was running before it restarted", recovered);
            }
            journal.nodes().register(options.nodeId(), options.runners());
            Capsule capsule = new Capsule(options, journal, true, pool);
            capsule.maintenance.start();
            return capsule;
        } catch (RuntimeException e) {
            pool.close();
            journal.close();
            throw e;
        }
    }

    /** Starts the pool's first runner in the background, so that the first attempt does not wait for it. */
    private static void startEarly(RunnerPool pool) {
        Thread warmUp = new Thread(() -> {
            try {
                pool.warmUp(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RunnerCrashedException | RuntimeException e) {
                log.debug("runner warm-up failed: {}", e.getMessage());
            }
        }, "capsule-runner-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    private static RunnerPool newPool(CapsuleOptions options) {
        return new RunnerPool(RunnerLauncher.forThisJvm(options.cacheDir()), options.runners(), options.runnerStartTimeout());
    }

    /**
     * Opens the journal as a client that only submits, queries, waits and cancels: not a node, so it neither
     * heartbeats nor runs tasks ({@link #run} and {@link #startWorker} are refused).
     */
    public static Capsule openClient(CapsuleOptions options) {
        return new Capsule(options, Journal.open(options.journal()), false, newPool(options));
    }

    private void requireNode() {
        if (!node) {
            throw new IllegalStateException("this Capsule was opened as a client; open it with Capsule.open to run tasks");
        }
    }

    public TaskResult run(TaskSpec spec) throws InterruptedException {
        return run(spec, TaskListener.NONE);
    }

    /**
     * Journals the task and runs it here to its end, retrying failed attempts as its {@link RetryPolicy} says
     * (waiting out the backoff in this call). Bad input is refused before anything is journaled, with error
     * type {@code invalid_input}. The task is journaled with its first attempt already claimed by this node; should a
     * worker claim a retry first, this call waits for its result.
     */
    public TaskResult run(TaskSpec spec, TaskListener listener) throws InterruptedException {
        requireNode();
        PreparedTask prepared;
        try {
            prepared = prepare(resolve(spec, System.getenv()));
        } catch (InvalidInputException e) {
            return TaskResult.invalidInput(spec.name(), e.getMessage());
        }
        NewTask task = newTask(prepared, SubmitOptions.NOW);
        int first = journal.tasks().createClaimed(task, prepared.moduleBytes(), options.nodeId());
        String taskId = task.id();
        listener.submitted(taskId, prepared.spec().name());
        Path moduleFile = file(prepared.spec(), prepared.moduleSha256(), prepared.moduleBytes());
        // Children of a program are prepared from its journaled copy, never from the files on disk now.
        TaskSpec journaled = prepared.spec().program() != null ? prepared.spec().withModuleFile(moduleFile) : prepared.spec();
        AttemptStep attempt = claim -> cancellations.cancelOrphans(claim.taskId(), journaled,
                executor.execute(claim, journaled, prepared.moduleSha256(), moduleFile, listener));
        attempt.run(new Claim(taskId, first));
        runToEnd(taskId, attempt);
        return result(taskId).orElseThrow();
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
    public record Build(String file, String language, String sourceSha256, List<String> tasks, boolean cached, long describeMs,
                        List<String> localModules) {
    }

    /** Prepares a Python or JavaScript source ahead of its first run: interpreter fetched, source described, module compiled. */
    public Build build(Path source) throws InterruptedException {
        Programs.Described described = programs.describe(source);
        if (!described.cached()) {
            programs.compileForTasks(source, described);
        }
        return new Build(source.getFileName().toString(), TaskProgram.languageOf(source), described.sourceSha256(),
                described.tasks().keySet().stream().sorted().toList(), described.cached(), described.describeMs(), described.files());
    }

    private Path file(TaskSpec spec, String sha, byte[] bytes) {
        return spec.program() != null ? programs.sourceFile(sha, spec.program().file(), bytes, spec.program().files())
                : moduleFiles.ensure(sha, bytes);
    }

    /** Runs one claimed attempt. */
    private interface AttemptStep {
        void run(Claim claim) throws InterruptedException;
    }

    /** Claims and runs the task's attempts here until it ends, waiting out retry backoffs; follows another node's run. */
    private void runToEnd(String taskId, AttemptStep attempt) throws InterruptedException {
        while (true) {
            TaskRow task = journal.tasks().find(taskId).orElseThrow();
            if (task.status().isFinal()) {
                return;
            }
            if (task.status() == TaskStatus.RETRY_WAIT) {
                long waitMs = Duration.between(journal.nodes().databaseNow(), task.runAt()).toMillis();
                if (waitMs > 0) {
                    Thread.sleep(Math.min(waitMs, 1000));
                    continue;
                }
            }
            Optional<Integer> attemptNo = task.status() == TaskStatus.RUNNING ? Optional.empty()
                    : journal.tasks().claim(taskId, options.nodeId(), false);
            if (attemptNo.isPresent()) {
                attempt.run(new Claim(taskId, attemptNo.get()));
            } else {
                Thread.sleep(POLL_MS);
            }
        }
    }

    /** Queues a task for a worker; returns its id at once (the first task's id when the idempotency key was used). */
    public SubmitResult submit(TaskSpec spec, SubmitOptions submit) {
        PreparedTask prepared = prepare(resolveNow(spec));
        NewTask task = newTask(prepared, submit);
        String id = journal.tasks().create(task, prepared.moduleBytes());
        return new SubmitResult(id, id.equals(task.id()));
    }

    public record SubmitResult(String taskId, boolean created) {
    }

    /** Checks a resolved spec and reads its module; refuses grants of the journal, the cache or Capsule's own code. */
    private PreparedTask prepare(TaskSpec resolved) {
        protectedPaths.check(resolved.mounts());
        if (resolved.program() != null && resolved.program().approval() != null) {
            protectedPaths.check(resolved.program().approval().mounts());
        }
        return PreparedTask.prepare(resolved);
    }


    private NewTask newTask(PreparedTask prepared, SubmitOptions submit) {
        OffsetDateTime runAt = submit.runAt() == null ? null : submit.runAt().atOffset(ZoneOffset.UTC);
        return new NewTask(TaskIds.next(), prepared.spec().name(), null, prepared.moduleSha256(),
                prepared.spec().retryPolicy().maxRetries(), prepared.configJson(), secrets.seal(prepared.envJson()), runAt, submit.idempotencyKey());
    }

    /** A recurring schedule: its name, Quartz cron expression (UTC), the task it queues and its next firing. */
    public record Schedule(String name, String cron, String taskName, Instant nextFire) {
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
            return timers.schedules().stream().map(s -> new Schedule(s.name(), s.cron(), s.taskName(), s.nextFire())).toList();
        }
    }

    public boolean deleteSchedule(String name) {
        try (RetryTimers timers = RetryTimers.client(journal, options.nodeId())) {
            return timers.deleteSchedule(name);
        }
    }

    /** Waits until the task ends and returns its envelope, or empty when {@code timeout} passes first. */
    public Optional<TaskResult> await(String taskId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<TaskResult> result = result(taskId);
            if (result.isPresent()) {
                return result;
            }
            if (journal.tasks().find(taskId).isEmpty()) {
                throw new InvalidInputException("no task " + taskId);
            }
            if (System.nanoTime() > deadline) {
                return Optional.empty();
            }
            Thread.sleep(POLL_MS);
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
     * What a cancellation did: {@code outcome} for the task itself, and the ids of its unfinished descendants that were
     * cancelled or asked to stop, parents before their children.
     */
    public record Cancellation(CancelOutcome outcome, List<String> children) {
    }

    /**
     * Cancels a task, then each of its unfinished descendants (walking {@code parent_id}), parent before children, so
     * that a waiting parent is stopped before its children end. A descendant that ends meanwhile is skipped. The
     * descendants are cancelled even when the task itself had already ended (a finished task may leave children running).
     */
    public Cancellation cancelTree(String taskId) {
        return cancellations.cancelTree(taskId);
    }

    /** Starts consuming the queue on this node until the returned worker is closed. */
    public Worker startWorker(WorkerOptions workerOptions) {
        requireNode();
        return new Worker(this, workerOptions);
    }

    /** Runs a claimed attempt of a journaled task; schedules its retry timer when it fails and will be retried. */
    void executeClaim(Claim claim, TaskListener listener, RetryTimers timers) throws InterruptedException {
        TaskRow task = journal.tasks().find(claim.taskId()).orElseThrow();
        Optional<byte[]> bytes = journal.modules().get(task.moduleSha256());
        if (bytes.isEmpty()) {
            executor.fail(claim, ErrorType.INTERNAL_ERROR, "module " + task.moduleSha256() + " is missing from the journal");
            return;
        }
        TaskConfigReader.SourceLayout source = TaskConfigReader.sourceLayout(task);
        Path moduleFile;
        try {
            moduleFile = source != null ? programs.sourceFile(task.moduleSha256(), source.file(), bytes.get(), source.files())
                    : moduleFiles.ensure(task.moduleSha256(), bytes.get());
        } catch (UncheckedIOException e) {
            executor.fail(claim, ErrorType.INTERNAL_ERROR, "cannot lay out module " + task.moduleSha256() + ": " + e.getMessage());
            return;
        }
        TaskSpec spec;
        try {
            spec = TaskConfigReader.read(task, moduleFile, secrets.open(journal.tasks().secrets(task.id()).orElse(null)));
            if (spec.program() != null) {
                programs.interpreter(Interpreter.forLanguage(spec.program().language()));
            }
        } catch (InvalidInputException e) {
            executor.fail(claim, ErrorType.INVALID_INPUT, e.getMessage());
            return;
        }
        AttemptExecutor.Finished finished = executor.execute(claim, spec, task.moduleSha256(), moduleFile, listener);
        cancellations.cancelOrphans(claim.taskId(), spec, finished);
        if (finished.status() == TaskStatus.RETRY_WAIT && timers != null) {
            timers.schedule(claim.taskId(), finished.retryAt().toInstant());
        }
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
    public List<HostRequestRow> hostRequests(String taskId, int attemptNo) {
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

    /** A read-only SQL query over the journal tables. */
    public QueryResult query(String sql, int maxRows) {
        return journal.readOnlySql().query(sql, maxRows);
    }

    public CapsuleOptions options() {
        return options;
    }

    /** Pids of the live runner processes. */
    public List<Long> runnerPids() {
        return pool.pids();
    }

    /** Starts up to {@code count} runners ahead of the first task. */
    public void warmUp(int count) throws InterruptedException {
        try {
            pool.warmUp(count);
        } catch (RunnerCrashedException e) {
            log.warn("runner warm-up failed: {}", e.getMessage());
        }
    }

    Journal journal() {
        return journal;
    }

    Map<String, Integer> activeAttempts() {
        return active.snapshot();
    }

    void stopAttempt(String taskId) {
        active.stop(taskId);
    }

    /** Recovers the attempts of nodes whose lease lapsed now, rather than at the next heartbeat. */
    public int recoverLapsedNodes() {
        return maintenance.recoverLapsedNodes();
    }

    @Override
    public void close() {
        try {
            maintenance.close();
            childDrivers.close();
            pool.close();
            if (node) {
                journal.tasks().handBackAll(options.nodeId(), "node " + options.nodeId() + " closed");
                journal.tasks().forgetFinishedSecrets();
                journal.nodes().stopped(options.nodeId());
            }
        } catch (RuntimeException e) {
            log.warn("closing: {}", e.getMessage());
        } finally {
            journal.close();
        }
    }

}
