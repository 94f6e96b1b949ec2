package run.capsule.engine.execution;

import run.capsule.protocol.ErrorType;
import run.capsule.engine.pool.RunnerCrashedException;
import run.capsule.engine.pool.RunnerPool;
import run.capsule.engine.pool.RunnerProcess;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Durability;
import run.capsule.protocol.Mount;
import run.capsule.protocol.Program;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.guest.Interpreter;
import run.capsule.runner.guest.Interpreters;
import run.capsule.store.AttemptOutcome;
import run.capsule.store.AttemptOutput;
import run.capsule.store.AttemptStatus;
import run.capsule.protocol.StepRecord;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.TaskIds;
import run.capsule.engine.spec.TaskListener;
import run.capsule.engine.spec.TaskProgram;
import run.capsule.engine.spec.TaskSpec;

/**
 * Runs one attempt on a pooled runner and turns whatever happened into an {@link AttemptOutcome}. Remembers
 * (in memory, for the life of the engine) every module a runner died compiling, and fails later attempts of
 * such a module at once instead of crashing runner after runner.
 */
public final class AttemptRunner {
    /** How long a runner may take to read, rewrite, compile and instantiate a module before the guest starts. */
    static final Duration SETUP_LIMIT = Duration.ofMinutes(2);
    static final String CRASHED_COMPILER = "module crashed the compiler";
    /** The runner's error type for an attempt that ended in a durable sleep (docs/steps.md). */

    private final RunnerPool pool;
    private final Duration killGrace;
    private final CrashedModules crashedModules;
    private final Path cacheDir;

    public AttemptRunner(RunnerPool pool, Duration killGrace, Path cacheDir) {
        this(pool, killGrace, CrashedModules.inMemory(), cacheDir);
    }

    public AttemptRunner(RunnerPool pool, Duration killGrace, CrashedModules crashedModules, Path cacheDir) {
        this.cacheDir = cacheDir;
        this.pool = pool;
        this.killGrace = killGrace;
        this.crashedModules = crashedModules;
    }

    public record Ran(AttemptOutcome outcome, String stdout, Long resumeAtEpochMs) {
        Ran(AttemptOutcome outcome, String stdout) {
            this(outcome, stdout, null);
        }
    }

    public Ran run(String taskId, int attemptNo, TaskSpec spec, String moduleSha256, Path moduleFile, TaskListener listener)
            throws InterruptedException {
        return run(taskId, attemptNo, spec, moduleSha256, moduleFile, listener, runner -> { }, RunnerProcess.CallHandler.NONE, Durability.NONE);
    }

 /** The guest's stdout and stderr as the runner kept them (within the task's output cap), for {@code attempt_output}. */
    private static AttemptOutput output(AttemptResult result) {
        return new AttemptOutput(result.stdout(), result.stdoutTruncated(), result.stderr(), result.stderrTruncated());
    }

    /**
     * As above; {@code onDispatch} receives the runner that holds the attempt (to kill it on cancellation), {@code calls}
     * serves the host calls the runner forwards (child tasks). For a Python or JavaScript task {@code moduleFile} is
     * its source file and the runner runs the language's interpreter.
     */
    public Ran run(String taskId, int attemptNo, TaskSpec spec, String moduleSha256, Path moduleFile, TaskListener listener,
            Consumer<RunnerProcess> onDispatch, RunnerProcess.CallHandler calls, Durability durability)
            throws InterruptedException {
        long started = System.nanoTime();
        if (spec.program() != null) {
            moduleSha256 = Interpreter.forLanguage(spec.program().language()).moduleSha256();
        }
        if (crashedModules.refused(moduleSha256)) {
            return new Ran(AttemptOutcome.failed(0, null, null, null, ErrorType.INVALID_INPUT.wireName(),
                    CRASHED_COMPILER + ": a runner died compiling it earlier, so it is not compiled again"), null);
        }
        RunnerProcess runner;
        try {
            runner = pool.acquire(taskId);
        } catch (RunnerCrashedException e) {
            return new Ran(AttemptOutcome.failed(elapsed(started), null, null, null, ErrorType.INTERNAL_ERROR.wireName(),
                    "no runner available: " + e.getMessage()), null);
        }
        try {
            onDispatch.accept(runner);
            listener.attemptStarted(taskId, attemptNo, runner.pid());
            RunAttempt request = request(taskId, attemptNo, spec, moduleSha256, moduleFile).withDurability(durability)
                    .withWriteQuota(spec.limits().writeQuotaBytes());
            AttemptResult result = runner.execute(request, text -> listener.guestStderr(taskId, attemptNo, text), calls,
                    SETUP_LIMIT, spec.limits().timeout().plus(killGrace));
            long duration = elapsed(started);
            List<StepRecord> steps = result.steps();
            if (result.succeeded()) {
                String resultJson = spec.program() != null ? (result.value() == null ? "null" : result.value())
                        : GuestResult.toJson(GuestResult.fromStdout(result.stdout()));
                return new Ran(AttemptOutcome.succeeded(duration, result.fuelConsumed(), result.ramUsed(), result.exitCode(), resultJson)
                        .withHostRequests(result.hostRequests()).withSteps(steps, result.replayedSteps())
                        .withOutput(output(result)), result.stdout());
            }
            AttemptOutcome failed = AttemptOutcome.failed(duration, result.fuelConsumed(), result.ramUsed(), result.exitCode(),
                    result.errorType(), result.errorDetail() != null ? result.message() : withStderrTail(result.message(), result.stderr()))
                    .withHostRequests(result.hostRequests()).withErrorDetail(result.errorDetail())
                    .withSteps(steps, result.replayedSteps()).withOutput(output(result));
            if (ErrorType.SUSPENDED.is(result.errorType()) && result.resumeAtEpochMs() != null) {
                String until = Instant.ofEpochMilli(result.resumeAtEpochMs()).toString();
                String why = result.message() != null && result.message().startsWith(AttemptCalls.SUSPENDED_WAITING) ? result.message() + ", until "
                        : "durable sleep until ";
                return new Ran(failed.withStatus(AttemptStatus.SUSPENDED, null, why + until), result.stdout(),
                        result.resumeAtEpochMs());
            }
            return new Ran(failed, result.stdout());
        } catch (RunnerCrashedException e) {
            if (runner.moduleCompilingAtDeath() != null && !runner.stoppedByEngine()) {
                if (crashedModules.crashed(moduleSha256, e.getMessage())) {
                    return new Ran(AttemptOutcome.failed(elapsed(started), null, null, null, ErrorType.INVALID_INPUT.wireName(),
                            CRASHED_COMPILER + " (" + e.getMessage() + ")"), null);
                }
                return new Ran(AttemptOutcome.failed(elapsed(started), null, null, null, ErrorType.RUNNER_CRASHED.wireName(),
                        "runner died while compiling the module: " + e.getMessage()), null);
            }
            ErrorType type = e.killedForDeadline() ? ErrorType.TIMEOUT : ErrorType.RUNNER_CRASHED;
            String message = e.killedForDeadline()
                    ? "timed out after " + spec.limits().timeout().toMillis() + " ms; " + e.getMessage()
                    : e.getMessage();
            return new Ran(AttemptOutcome.failed(elapsed(started), null, null, null, type.wireName(), message), null);
        } finally {
            pool.release(runner);
        }
    }

    /**
     * Runs a source's guest library in describe mode on a pooled runner: it loads the source and lists its tasks.
     * Failures come back as the runner's result, never as an exception.
     */
    public AttemptResult describe(Interpreter interpreter, Path interpreterPath, Path sourceFile, Limits limits) throws InterruptedException {
        return once(interpreter, interpreterPath, sourceFile, Program.DESCRIBE, null, null, List.of(), limits);
    }

    /**
     * Runs the task {@code main} of a source of the runner's own (a tool such as the TypeScript stripper) once on a
     * pooled runner, with {@code mounts} and arguments {@code inputJson}, unjournaled. Failures come back as the
     * runner's result, never as an exception.
     */
    public AttemptResult runTool(Interpreter interpreter, Path interpreterPath, Path sourceFile, String inputJson, List<Mount> mounts,
                                 Limits limits) throws InterruptedException {
        return once(interpreter, interpreterPath, sourceFile, Program.RUN, "main", inputJson, mounts, limits);
    }

    private AttemptResult once(Interpreter interpreter, Path interpreterPath, Path sourceFile, String mode, String task, String inputJson,
                               List<Mount> mounts, Limits limits) throws InterruptedException {
        RunnerProcess runner;
        try {
            runner = pool.acquire();
        } catch (RunnerCrashedException e) {
            return new AttemptResult("describe", null, null, ErrorType.INTERNAL_ERROR.wireName(), "no runner available: " + e.getMessage(),
                    "", false, "", false, 0, null, null, false);
        }
        try {
            Program program = new Program(interpreter.language(), sourceFile.getParent().toString(), sourceFile.getFileName().toString(),
                    mode, task, inputJson);
            RunAttempt request = new RunAttempt(mode + "-" + TaskIds.next(), interpreter.moduleSha256(), interpreterPath.toString(),
                    interpreter.language(), List.of(), Map.of(), mounts, limits.timeout().toMillis(), limits.outputBytes(), false,
                    limits.compute().fuel(), RunAttempt.pagesFor(limits.ramBytes()), List.of(), program);
            return runner.execute(request, text -> { }, SETUP_LIMIT, limits.timeout().plus(killGrace));
        } catch (RunnerCrashedException e) {
            return new AttemptResult("describe", null, null, e.killedForDeadline() ? ErrorType.TIMEOUT.wireName() : ErrorType.RUNNER_CRASHED.wireName(),
                    e.getMessage(), "", false, "", false, 0, null, null, false);
        } finally {
            pool.release(runner);
        }
    }

    private RunAttempt request(String taskId, int attemptNo, TaskSpec spec, String sha, Path moduleFile) {
        RunAttempt attempt = wasmRequest(taskId, attemptNo, spec, sha, moduleFile);
        TaskProgram program = spec.program();
        if (program == null) {
            return attempt;
        }
        Interpreter interpreter = Interpreter.forLanguage(program.language());
        String input = program.inputJson() != null ? program.inputJson() : TaskProgram.argsInput(spec.args());
        return new RunAttempt(attempt.attemptId(), interpreter.moduleSha256(), Interpreters.path(interpreter, cacheDir).toString(),
                interpreter.language(), List.of(), attempt.env(), attempt.mounts(), attempt.timeoutMs(), attempt.outputLimitBytes(),
                attempt.streamStderr(), attempt.fuel(), attempt.memoryLimitPages(), attempt.allowedHosts(),
                new Program(program.language(), moduleFile.getParent().toString(), moduleFile.getFileName().toString(), Program.RUN,
                        program.task(), input));
    }

    private static RunAttempt wasmRequest(String taskId, int attemptNo, TaskSpec spec, String sha, Path moduleFile) {
        Map<String, String> env = new LinkedHashMap<>();
        spec.env().forEach(e -> env.put(e.name(), e.value()));
        List<Mount> mounts = spec.mounts().stream()
                .map(m -> new Mount(m.hostPath().toString(), m.guestPath(), m.readOnly()))
                .toList();
        return new RunAttempt(taskId + "#" + attemptNo, sha, moduleFile.toString(), spec.name(), spec.args(), env, mounts,
                spec.limits().timeout().toMillis(), spec.limits().outputBytes(), true,
                spec.limits().compute().fuel(), RunAttempt.pagesFor(spec.limits().ramBytes()),
                spec.allowedHosts().stream().map(HostPattern::pattern).toList());
    }

    private static String withStderrTail(String message, String stderr) {
        if (stderr == null || stderr.isBlank()) {
            return message;
        }
        List<String> lines = stderr.strip().lines().toList();
        String last = lines.get(lines.size() - 1);
        if (last.length() > 300) {
            last = last.substring(0, 300) + "...";
        }
        return message + " (stderr: " + last + ")";
    }

    private static long elapsed(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
