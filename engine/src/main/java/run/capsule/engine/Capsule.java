package run.capsule.engine;

import run.capsule.protocol.ErrorType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.engine.pool.RunnerCrashedException;
import run.capsule.engine.pool.RunnerLauncher;
import run.capsule.engine.pool.RunnerPool;
import run.capsule.runner.guest.Interpreter;
import run.capsule.store.AttemptRow;
import run.capsule.store.AttemptStatus;
import run.capsule.store.CancelOutcome;
import run.capsule.store.Claim;
import run.capsule.store.EventRow;
import run.capsule.protocol.HostRequest;
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
import java.util.concurrent.CopyOnWriteArrayList;
import run.capsule.engine.calls.ChildDrivers;
import run.capsule.engine.calls.ChildTasks;
import run.capsule.engine.execution.AttemptExecutor;
import run.capsule.engine.node.NodeIdentity;
import run.capsule.engine.execution.AttemptHandBack;
import run.capsule.engine.execution.NextClaims;
import run.capsule.engine.node.NodeMaintenance;
import run.capsule.engine.node.RetryTimers;
import run.capsule.engine.programs.PreparedTask;
import run.capsule.engine.programs.TaskConfigReader;
import run.capsule.engine.queue.Node;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskListener;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/**
 * The Java API of a Capsule engine node: run or queue tasks in sandboxed runner processes, journaled in SQL.
 * Every open {@code Capsule} is a node: it registers itself, heartbeats, and recovers the running attempts of
 * nodes whose lease lapsed. What it shares with a {@link CapsuleClient} (submit, query, wait, cancel) it inherits.
 * <pre>{@code
 * try (Capsule capsule = Capsule.open(CapsuleOptions.builder().build())) {
 *     TaskResult result = capsule.run(TaskSpec.builder(Path.of("hello.wasm")).arg("Ada").build());
 *     String id = capsule.submit(spec, SubmitOptions.NOW).taskId();   // a worker runs it
 * }
 * }</pre>
 */
public final class Capsule extends CapsuleClient {
    private static final Logger log = LoggerFactory.getLogger(Capsule.class);
    private static final long POLL_MS = 100;
    private final AttemptExecutor executor;
    private final NodeMaintenance maintenance;
    private final ChildDrivers childDrivers;
    private final AttemptHandBack handBack;
    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    private final List<Runnable> drainListeners = new CopyOnWriteArrayList<>();

    private Capsule(CapsuleOptions options, Journal journal, RunnerPool pool) {
        super(options, journal, pool);
        this.executor = new AttemptExecutor(journal, attemptRunner, active, options.journalSteps(), options.suspendAfter(),
                options.stepLimits(), finishNotices);
        this.childDrivers = new ChildDrivers(journal, options.nodeId(), options.runners(), claim -> executeClaim(claim, TaskListener.NONE, null));
        this.executor.serveChildren(new ChildTasks(journal, programs, pool, childDrivers, results, secrets, options.journalSteps()));
        this.handBack = new AttemptHandBack(journal, options.nodeId());
        this.maintenance = new NodeMaintenance(journal, NodeIdentity.of(options.nodeId(), options.runners()), options.heartbeatInterval(),
                options.lease(), options.maxRecoveries(), active, this::drainRequested);
    }

    /** Opens the journal (migrating it if needed) and registers this node. Runners start on first use, the first one at once with {@code startRunnerEarly}. */
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
            journal.nodes().register(NodeIdentity.of(options.nodeId(), options.runners()));
            Capsule capsule = new Capsule(options, journal, pool);
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

    /** Opens the journal as a client: it submits, queries, waits and cancels, but is no node and runs nothing. */
    public static CapsuleClient openClient(CapsuleOptions options) {
        return CapsuleClient.open(options);
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

    /**
     * Runs {@code listener} once this node has been asked to drain ({@code capsule drain}, {@link CapsuleClient#drain}) and
     * its workers have stopped claiming and finished or handed back their attempts: the place to close the node and exit.
     */
    public void onDrained(Runnable listener) {
        drainListeners.add(listener);
    }

    /** The node's heartbeat found it DRAINING: its workers stop claiming and drain, off the maintenance thread. */
    private void drainRequested() {
        Thread drain = new Thread(() -> {
            workers.forEach(Worker::close);
            log.info("node {} drained: no more claims, running attempts finished or handed back", options.nodeId());
            drainListeners.forEach(Runnable::run);
        }, "capsule-drain");
        drain.setDaemon(true);
        drain.start();
    }

    /** Starts consuming the queue on this node until the returned worker is closed. */
    public Worker startWorker(WorkerOptions workerOptions) {
        Worker worker = new Worker(new WorkerNode(), workerOptions);
        workers.add(worker);
        return worker;
    }

    /** A task submitted on this node is claimed at once by its workers, not at their next poll. */
    @Override
    void queued() {
        workers.removeIf(Worker::isClosed);
        workers.forEach(Worker::wake);
    }

    /**
     * Runs a claimed attempt of a journaled task; schedules its retry timer when it fails and will be retried. An engine
     * failure hands the attempt back to the queue before it is thrown on.
     */
    void executeClaim(Claim claim, TaskListener listener, RetryTimers timers) throws InterruptedException {
        try {
            runClaim(claim, listener, timers);
        } catch (RuntimeException e) {
            handBack.afterEngineFailure(claim, e);
            throw e;
        }
    }

    private void runClaim(Claim claim, TaskListener listener, RetryTimers timers) throws InterruptedException {
        TaskRow task = claim.task() != null ? claim.task() : journal.tasks().find(claim.taskId()).orElseThrow();
        TaskConfigReader.SourceLayout source = TaskConfigReader.sourceLayout(task);
        Path moduleFile;
        try {
            Optional<Path> laidOut = source == null ? moduleFiles.known(task.moduleSha256()) : Optional.empty();
            if (laidOut.isPresent()) {
                moduleFile = laidOut.get();
            } else {
                Optional<byte[]> bytes = journal.modules().get(task.moduleSha256());
                if (bytes.isEmpty()) {
                    executor.fail(claim, ErrorType.INTERNAL_ERROR, "module " + task.moduleSha256() + " is missing from the journal");
                    return;
                }
                moduleFile = source != null ? programs.sourceFile(task.moduleSha256(), source.file(), bytes.get(), source.files())
                        : moduleFiles.ensure(task.moduleSha256(), bytes.get());
            }
        } catch (UncheckedIOException e) {
            executor.fail(claim, ErrorType.INTERNAL_ERROR, "cannot lay out module " + task.moduleSha256() + ": " + e.getMessage());
            return;
        }
        TaskSpec spec;
        try {
            spec = TaskConfigReader.read(task, moduleFile, secrets.open(journal.tasks().secrets(task.id()).orElse(null)));
            if (spec.program() != null) {
                if (spec.program().approval() == null) {
                    throw new InvalidInputException("this task was journaled before the operator's approval was recorded with each job"
                            + " (docs/security.md): submit it again (or re-create its schedule)");
                }
                programs.interpreter(Interpreter.forLanguage(spec.program().language()));
            }
            checkGrants(spec);
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

    /** Runners of this node's pool that died and were dropped (to be replaced), since it started. */
    public long runnerRestarts() {
        return pool.replacedRunners();
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

    /** This node as its worker sees it. */
    private final class WorkerNode implements Node {
        @Override
        public String nodeId() {
            return options.nodeId();
        }

        @Override
        public int runners() {
            return options.runners();
        }

        @Override
        public Journal journal() {
            return journal;
        }

        @Override
        public void executeClaim(Claim claim, TaskListener listener, RetryTimers timers) throws InterruptedException {
            Capsule.this.executeClaim(claim, listener, timers);
        }

        @Override
        public Map<String, Integer> activeAttempts() {
            return Capsule.this.activeAttempts();
        }

        @Override
        public void stopAttempt(String taskId) {
            Capsule.this.stopAttempt(taskId);
        }

        @Override
        public boolean holdsLease() {
            return maintenance.holdsLease();
        }

        @Override
        public void claimWithEnds(NextClaims claims) {
            executor.claimWithEnds(claims);
        }

        @Override
        public void stopClaimingWithEnds(NextClaims claims) {
            executor.stopClaimingWithEnds(claims);
        }
    }

    @Override
    public void close() {
        try {
            maintenance.close();
            childDrivers.close();
            pool.close();
            executor.close();
            journal.tasks().handBackAll(options.nodeId(), "node " + options.nodeId() + " closed");
            journal.tasks().forgetFinishedSecrets();
            journal.nodes().stopped(options.nodeId());
        } catch (RuntimeException e) {
            log.warn("closing: {}", e.getMessage());
        } finally {
            super.close();
        }
    }

}
