package run.capsule.engine.pool;

import run.capsule.protocol.ErrorType;
import run.capsule.store.ConnectionLoss;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Compiling;
import run.capsule.protocol.EngineCall;
import run.capsule.protocol.EngineOp;
import run.capsule.protocol.EngineReply;
import run.capsule.protocol.FrameCodec;
import run.capsule.protocol.GuestOutput;
import run.capsule.protocol.Hello;
import run.capsule.protocol.Message;
import run.capsule.protocol.Ping;
import run.capsule.protocol.Pong;
import run.capsule.protocol.RunAttempt;
import run.capsule.protocol.Shutdown;
import run.capsule.protocol.Started;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One runner JVM seen from the engine: sends {@link RunAttempt} frames, receives output and results, and
 * notices at once when the process dies (end of its stdout). Holds at most one attempt at a time.
 */
public final class RunnerProcess {
    private static final Logger log = LoggerFactory.getLogger(RunnerProcess.class);
    private static final int STDERR_TAIL_LINES = 20;

    private final Process process;
    private final OutputStream toRunner;
    private final CompletableFuture<Hello> hello = new CompletableFuture<>();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private volatile Pending current;
    private volatile CompletableFuture<Long> pong = new CompletableFuture<>();
    private volatile long idleSince = System.nanoTime();
    private volatile boolean dead;
    private volatile String moduleCompilingAtDeath;
    private volatile boolean stoppedByEngine;

    /** An attempt in flight; {@code compiling} and {@code startedAt} follow the runner's progress frames. */
    private static final class Pending {
        final String attemptId;
        final CompletableFuture<AttemptResult> result = new CompletableFuture<>();
        final Consumer<String> stderr;
        final CallHandler calls;
        volatile String compiling;
        volatile long startedAt;

        Pending(String attemptId, Consumer<String> stderr, CallHandler calls) {
            this.attemptId = attemptId;
            this.stderr = stderr;
            this.calls = calls;
        }
    }

    /**
     * Serves the host calls a runner forwards to the engine ({@code call} frames). Runs on its own thread and may
     * block (a parent waiting for its children); never throws: failures are error replies.
     */
    @FunctionalInterface
    public interface CallHandler {
        JsonNode handle(EngineOp request);

        CallHandler NONE = request -> {
            ObjectNode reply = JsonNodeFactory.instance.objectNode();
            reply.putObject("error").put("type", ErrorType.UNSUPPORTED.wireName()).put("message", "op \"" + request.op() + "\" is not served by this engine");
            return reply;
        };
    }

    private static final ExecutorService CALLS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "capsule-engine-call");
        t.setDaemon(true);
        return t;
    });

    private RunnerProcess(Process process) {
        this.process = process;
        this.toRunner = new BufferedOutputStream(process.getOutputStream(), 64 * 1024);
        Thread reader = new Thread(() -> readFrames(new BufferedInputStream(process.getInputStream(), 64 * 1024)),
                "capsule-runner-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        Thread errors = new Thread(() -> readDiagnostics(process.getErrorStream()), "capsule-runner-stderr-" + process.pid());
        errors.setDaemon(true);
        errors.start();
    }

    /** Starts a runner and waits until it says hello. */
    public static RunnerProcess start(RunnerLauncher launcher, Duration startTimeout) throws RunnerCrashedException {
        Process process;
        try {
            process = launcher.start();
        } catch (IOException e) {
            throw new RunnerCrashedException("cannot start a runner process: " + e.getMessage(), false);
        }
        RunnerProcess runner = new RunnerProcess(process);
        try {
            Hello hello = runner.hello.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (hello.protocolVersion() != Message.PROTOCOL_VERSION) {
                runner.kill();
                throw new RunnerCrashedException("runner speaks protocol " + hello.protocolVersion()
                        + ", engine speaks " + Message.PROTOCOL_VERSION, false);
            }
            return runner;
        } catch (TimeoutException e) {
            runner.kill();
            throw new RunnerCrashedException("runner did not start within " + startTimeout.toMillis() + " ms", false);
        } catch (ExecutionException e) {
            runner.kill();
            throw new RunnerCrashedException(e.getCause().getMessage(), false);
        } catch (InterruptedException e) {
            runner.kill();
            Thread.currentThread().interrupt();
            throw new RunnerCrashedException("interrupted while starting a runner", false);
        }
    }

    /**
     * Runs one attempt. Returns the runner's result, or throws when the runner dies or runs past
     * {@code hardDeadline} (then it is killed). Either way the call returns; it never waits on a dead runner.
     */
    public AttemptResult execute(RunAttempt run, Consumer<String> stderrListener, Duration hardDeadline) throws RunnerCrashedException {
        return execute(run, stderrListener, hardDeadline, hardDeadline);
    }

    /**
     * Runs one attempt in two phases: until the runner reports that the guest started (reading, rewriting,
     * compiling and instantiating the module) it may take {@code setupLimit}; from then on {@code runLimit}.
     * Past either, the runner is killed and the call throws with {@code killedForDeadline}. If the runner dies
     * or is killed while it compiles, {@link #moduleCompilingAtDeath()} names the module.
     */
    public AttemptResult execute(RunAttempt run, Consumer<String> stderrListener, Duration setupLimit, Duration runLimit)
            throws RunnerCrashedException {
        return execute(run, stderrListener, CallHandler.NONE, setupLimit, runLimit);
    }

    /** As above; {@code calls} serves the host calls the runner forwards while the attempt runs. */
    public AttemptResult execute(RunAttempt run, Consumer<String> stderrListener, CallHandler calls, Duration setupLimit, Duration runLimit)
            throws RunnerCrashedException {
        if (dead) {
            throw new RunnerCrashedException(deathMessage(), false);
        }
        Pending pending = new Pending(run.attemptId(), stderrListener, calls);
        current = pending;
        try {
            FrameCodec.write(toRunner, run);
            long sent = System.nanoTime();
            while (true) {
                long startedAt = pending.startedAt;
                long end = startedAt != 0 ? startedAt + runLimit.toNanos() : sent + setupLimit.toNanos();
                long wait = end - System.nanoTime();
                if (wait <= 0) {
                    String compiling = pending.compiling;
                    kill();
                    if (compiling != null) {
                        moduleCompilingAtDeath = compiling;
                    }
                    throw new RunnerCrashedException(startedAt != 0
                            ? "runner killed: attempt still running " + runLimit.toMillis() + " ms after the guest started"
                            : "runner killed: the guest had not started after " + setupLimit.toMillis() + " ms"
                                    + (compiling != null ? " (its module was still compiling)" : ""), true);
                }
                try {
                    return pending.result.get(Math.min(wait, POLL_NANOS), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    // check the phase and the limits again
                }
            }
        } catch (IOException e) {
            kill();
            throw new RunnerCrashedException("cannot send the attempt to the runner: " + e.getMessage(), false);
        } catch (ExecutionException e) {
            String compiling = pending.compiling;
            if (compiling != null && pending.startedAt == 0) {
                moduleCompilingAtDeath = compiling;
            }
            throw new RunnerCrashedException(e.getCause().getMessage(), false);
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
            throw new RunnerCrashedException("interrupted while waiting for the runner", false);
        } finally {
            current = null;
        }
    }

    /**
     * Whether the runner answers a {@code ping} within {@code timeout}: a runner that is alive but stopped or stuck (it
     * cannot take an attempt) does not. Only for a runner that holds no attempt.
     */
    public boolean answersPing(Duration timeout) {
        if (dead) {
            return false;
        }
        CompletableFuture<Long> answer = new CompletableFuture<>();
        pong = answer;
        long id = System.nanoTime();
        try {
            FrameCodec.write(toRunner, new Ping(id));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (answer.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) != id) {
                answer = new CompletableFuture<>();
                pong = answer;
            }
            return true;
        } catch (TimeoutException | ExecutionException | IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The runner was handed back to the pool, idle from now. */
    void idle() {
        idleSince = System.nanoTime();
    }

    /** How long the runner has been idle in the pool. */
    Duration idleFor() {
        return Duration.ofNanos(System.nanoTime() - idleSince);
    }

    /** The digest of the module this runner was compiling when it died or was killed, or null. */
    public String moduleCompilingAtDeath() {
        return moduleCompilingAtDeath;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return !dead && process.isAlive();
    }

    /** Asks the runner to exit, then kills it if it has not within two seconds. */
    public void shutdown() {
        try {
            FrameCodec.write(toRunner, new Shutdown());
            toRunner.close();
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (IOException e) {
            kill();
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the runner on the engine's own decision (cancellation, hand-back): not a fault of the module. */
    public void stop() {
        stoppedByEngine = true;
        kill();
    }

    /** Whether {@link #stop()} ended this runner. */
    public boolean stoppedByEngine() {
        return stoppedByEngine;
    }

    public void kill() {
        dead = true;
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readFrames(InputStream in) {
        try {
            Message message;
            while ((message = FrameCodec.read(in)) != null) {
                Pending pending = current;
                if (message instanceof Hello h) {
                    hello.complete(h);
                } else if (message instanceof Pong p) {
                    pong.complete(p.id());
                } else if (message instanceof Compiling c && pending != null && pending.attemptId.equals(c.attemptId())) {
                    pending.compiling = c.moduleSha256();
                } else if (message instanceof Started st && pending != null && pending.attemptId.equals(st.attemptId())) {
                    pending.compiling = null;
                    pending.startedAt = System.nanoTime();
                } else if (message instanceof GuestOutput out && pending != null && pending.attemptId.equals(out.attemptId())) {
                    try {
                        pending.stderr.accept(out.text());
                    } catch (RuntimeException e) {
                        log.warn("stderr listener failed: {}", e.toString());
                    }
                } else if (message instanceof EngineCall call && pending != null && pending.attemptId.equals(call.attemptId())) {
                    CALLS.execute(() -> answer(pending, call));
                } else if (message instanceof AttemptResult result && pending != null && pending.attemptId.equals(result.attemptId())) {
                    if (result.runnerExiting()) {
                        dead = true;
                    }
                    pending.compiling = null;
                    pending.result.complete(result);
                } else {
                    log.warn("runner {} sent an unexpected {} frame", process.pid(), message.getClass().getSimpleName());
                }
            }
        } catch (IOException e) {
            log.debug("runner {} stream ended: {}", process.pid(), e.getMessage());
        }
        dead = true;
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RunnerCrashedException crash = new RunnerCrashedException(deathMessage(), false);
        hello.completeExceptionally(crash);
        Pending pending = current;
        if (pending != null) {
            pending.result.completeExceptionally(crash);
        }
    }

    private void answer(Pending pending, EngineCall call) {
        JsonNode reply;
        try {
            reply = pending.calls.handle(call.request());
        } catch (RuntimeException e) {
            if (ConnectionLoss.is(e)) {
                // An error reply would be journaled as the step's outcome (a child call refused for good, replayed so on
                // every retry). Without a reply the attempt ends as runner_crashed, and its retry replays the journal as
                // it stands: a child whose creation did commit is adopted, one that did not is created then.
                log.warn("engine call {} lost the journal ({}); stopping the attempt's runner", call.request().op(), e.getMessage());
                kill();
                return;
            }
            log.warn("engine call {} failed: {}", call.request().op(), e.toString());
            ObjectNode error = JsonNodeFactory.instance.objectNode();
            error.putObject("error").put("type", ErrorType.INTERNAL_ERROR.wireName()).put("message", "the engine failed serving the call: " + e.getMessage());
            reply = error;
        }
        if (current != pending || dead) {
            return;
        }
        try {
            FrameCodec.write(toRunner, new EngineReply(call.attemptId(), call.callId(), reply));
        } catch (IOException e) {
            log.debug("cannot reply to runner {}: {}", process.pid(), e.getMessage());
        }
    }

    private void readDiagnostics(InputStream err) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (stderrTail) {
                    if (stderrTail.size() == STDERR_TAIL_LINES) {
                        stderrTail.removeFirst();
                    }
                    stderrTail.addLast(line);
                }
                log.warn("[runner {}] {}", process.pid(), line);
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    private String deathMessage() {
        String exit = process.isAlive() ? "stopped answering" : "exited with code " + process.exitValue();
        String last;
        synchronized (stderrTail) {
            last = stderrTail.isEmpty() ? "" : ": " + stderrTail.peekLast();
        }
        return "runner process " + process.pid() + " " + exit + last;
    }
}
