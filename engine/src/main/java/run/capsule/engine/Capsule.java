package run.capsule.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.engine.runner.RunnerLauncher;
import run.capsule.engine.runner.RunnerPool;
import run.capsule.store.AttemptRow;
import run.capsule.store.EventRow;
import run.capsule.store.Journal;
import run.capsule.store.NewTask;
import run.capsule.store.QueryResult;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The Java API of a Capsule engine: run tasks in sandboxed runner processes, journaled in SQL.
 * <pre>{@code
 * try (Capsule capsule = Capsule.open(CapsuleOptions.builder().build())) {
 *     TaskResult result = capsule.run(TaskSpec.builder(Path.of("hello.wasm")).arg("Ada").build());
 * }
 * }</pre>
 */
public final class Capsule implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Capsule.class);
    private final CapsuleOptions options;
    private final Journal journal;
    private final RunnerPool pool;
    private final ModuleFiles moduleFiles;
    private final AttemptRunner attempts;

    private Capsule(CapsuleOptions options, Journal journal) {
        this.options = options;
        this.journal = journal;
        this.pool = new RunnerPool(RunnerLauncher.forThisJvm(options.cacheDir()), options.runners(), options.runnerStartTimeout());
        this.moduleFiles = new ModuleFiles(options.cacheDir());
        this.attempts = new AttemptRunner(pool, options.killGrace());
    }

    /** Opens the journal (migrating it if needed). Runners start on first use. */
    public static Capsule open(CapsuleOptions options) {
        return new Capsule(options, Journal.open(options.journal()));
    }

    public TaskResult run(TaskSpec spec) throws InterruptedException {
        return run(spec, TaskListener.NONE);
    }

    /**
     * Runs a task to its end, retrying failed attempts as its {@link RetryPolicy} says. Bad input is refused
     * before anything is journaled, with error type {@code invalid_input}.
     */
    public TaskResult run(TaskSpec spec, TaskListener listener) throws InterruptedException {
        long started = System.nanoTime();
        PreparedTask prepared;
        try {
            prepared = PreparedTask.prepare(spec);
        } catch (InvalidInputException e) {
            return TaskResult.invalidInput(spec.name(), e.getMessage());
        }
        String taskId = TaskIds.next();
        journal.tasks().create(new NewTask(taskId, spec.name(), null, prepared.moduleSha256(),
                spec.retryPolicy().maxRetries(), prepared.configJson()), prepared.moduleBytes());
        listener.submitted(taskId, spec.name());
        Path moduleFile = moduleFiles.ensure(prepared.moduleSha256(), prepared.moduleBytes());

        AttemptRunner.Ran ran;
        int attemptNo;
        while (true) {
            attemptNo = journal.tasks().startAttempt(taskId, options.nodeId());
            ran = attempts.run(taskId, attemptNo, spec, prepared.moduleSha256(), moduleFile, listener);
            var outcome = ran.outcome();
            boolean retry = outcome.errorType() != null
                    && ErrorType.fromWire(outcome.errorType()).retryable()
                    && attemptNo <= spec.retryPolicy().maxRetries();
            String reason = outcome.errorType() == null ? "succeeded"
                    : (retry ? "retrying after " : "failed: ") + outcome.errorType() + ": " + outcome.errorMessage();
            journal.tasks().finishAttempt(taskId, attemptNo, outcome, retry, reason);
            listener.attemptFinished(taskId, attemptNo, outcome.status().name(), outcome.errorType(), outcome.errorMessage(),
                    outcome.durationMs());
            if (!retry) {
                break;
            }
            Duration backoff = spec.retryPolicy().backoffBefore(attemptNo);
            listener.retryScheduled(taskId, attemptNo + 1, backoff.toMillis());
            Thread.sleep(backoff.toMillis());
        }
        var outcome = ran.outcome();
        long durationMs = (System.nanoTime() - started) / 1_000_000;
        TaskResult.Execution execution = new TaskResult.Execution(taskId, spec.name(), durationMs, attemptNo - 1,
                outcome.fuelConsumed(), outcome.ramUsed(), List.of());
        if (outcome.errorType() == null) {
            return new TaskResult(true, GuestResult.parse(outcome.resultJson()), null, execution);
        }
        return new TaskResult(false, null, new TaskResult.Error(outcome.errorType(), outcome.errorMessage()), execution);
    }

    /** The envelope of a finished task as journaled, or empty while it is not finished (or unknown). */
    public Optional<TaskResult> result(String taskId) {
        Optional<TaskRow> row = journal.tasks().find(taskId);
        if (row.isEmpty() || !row.get().status().isFinal()) {
            return Optional.empty();
        }
        TaskRow task = row.get();
        List<AttemptRow> attemptRows = journal.tasks().attempts(taskId);
        AttemptRow last = attemptRows.isEmpty() ? null : attemptRows.get(attemptRows.size() - 1);
        long duration = java.time.Duration.between(task.createdAt(), task.updatedAt()).toMillis();
        TaskResult.Execution execution = new TaskResult.Execution(task.id(), task.name(), duration, Math.max(0, task.attempts() - 1),
                last == null ? null : last.fuelConsumed(), last == null ? null : last.ramUsed(), List.of());
        if (task.status() == TaskStatus.SUCCEEDED) {
            return Optional.of(new TaskResult(true, GuestResult.parse(task.resultJson()), null, execution));
        }
        return Optional.of(new TaskResult(false, null, new TaskResult.Error(task.errorType(), task.errorMessage()), execution));
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
        } catch (run.capsule.engine.runner.RunnerCrashedException e) {
            log.warn("runner warm-up failed: {}", e.getMessage());
        }
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
