package run.capsule.engine.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded set of runner processes. Runners start on demand up to {@code size}; a runner that died or was
 * killed is discarded and its slot refilled by the next {@link #acquire}.
 */
public final class RunnerPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunnerPool.class);
    /**
     * A runner idle in the pool at least this long must answer a ping before it gets an attempt (docs/operations.md, hung
     * runners): one that is alive but stopped or stuck is killed and replaced instead of swallowing the attempt. Runners
     * busy back to back skip the round trip.
     */
    static final Duration PING_WHEN_IDLE_FOR = Duration.ofSeconds(1);
    static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
    private final RunnerLauncher launcher;
    private final int size;
    private final Duration startTimeout;
    private final Semaphore slots;
    /** Slots taken beyond the pool's size by tasks that resumed at once ({@link #unparkNow}), repaid as slots come back. */
    private final AtomicInteger overdrawn;
    /** Tasks waiting for their children while keeping their runner and slot ({@link #holdWhileWaiting}). */
    private final AtomicInteger holding = new AtomicInteger();
    private final LinkedBlockingDeque<RunnerProcess> idle = new LinkedBlockingDeque<>();
    /** Tasks whose attempt waits for a slot in {@link #acquire(String)}. */
    private final java.util.Set<String> waitingTasks = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<RunnerProcess> all = new ArrayList<>();
    private volatile boolean closed;
    /** Runners found dead (crashed, killed at a deadline, exited) and dropped, so that a fresh one starts in their place. */
    private final java.util.concurrent.atomic.AtomicLong replaced = new java.util.concurrent.atomic.AtomicLong();

    public RunnerPool(RunnerLauncher launcher, int size, Duration startTimeout) {
        if (size < 1) {
            throw new IllegalArgumentException("a runner pool needs at least one runner");
        }
        this.launcher = launcher;
        this.size = size;
        this.startTimeout = startTimeout;
        this.slots = new Semaphore(size, true);
        this.overdrawn = new AtomicInteger();
    }

    public int size() {
        return size;
    }

    /** How many runners were found dead and dropped since the pool started (each is replaced when next needed). */
    public long replacedRunners() {
        return replaced.get();
    }

    /** Takes a live runner, starting one if none is idle; blocks while all {@code size} are busy. */
    public RunnerProcess acquire() throws InterruptedException, RunnerCrashedException {
        awaitSlot();
        return takeRunner();
    }

    /** As {@link #acquire()} for an attempt of {@code taskId}, which {@link #isWaitingForRunner} names while it blocks. */
    public RunnerProcess acquire(String taskId) throws InterruptedException, RunnerCrashedException {
        waitingTasks.add(taskId);
        try {
            awaitSlot();
        } finally {
            waitingTasks.remove(taskId);
        }
        return takeRunner();
    }

    private void awaitSlot() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("runner pool is closed");
        }
        slots.acquire();
    }

    /** Whether an attempt of the task is blocked waiting for a runner slot. */
    public boolean isWaitingForRunner(String taskId) {
        return waitingTasks.contains(taskId);
    }

    /** A runner if a slot is free now, else empty: never waits for one. */
    private Optional<RunnerProcess> acquireIfFree() throws RunnerCrashedException {
        if (closed || !slots.tryAcquire()) {
            return Optional.empty();
        }
        return Optional.of(takeRunner());
    }

    /** With a slot taken: an idle live runner, or a new one (the slot is given back if it cannot start). */
    private RunnerProcess takeRunner() throws RunnerCrashedException {
        try {
            RunnerProcess runner;
            while ((runner = idle.pollFirst()) != null) {
                if (runner.isAlive() && (runner.idleFor().compareTo(PING_WHEN_IDLE_FOR) < 0 || runner.answersPing(PING_TIMEOUT))) {
                    return runner;
                }
                if (runner.isAlive()) {
                    log.warn("runner {} is alive but did not answer a ping within {} ms: killed and replaced", runner.pid(), PING_TIMEOUT.toMillis());
                    runner.kill();
                }
                replaced.incrementAndGet();
                forget(runner);
            }
            runner = RunnerProcess.start(launcher, startTimeout);
            synchronized (all) {
                all.add(runner);
            }
            log.debug("started runner {}", runner.pid());
            return runner;
        } catch (RuntimeException | RunnerCrashedException e) {
            slots.release();
            throw e;
        }
    }

    /** Returns a runner after an attempt; a dead one is dropped and its slot freed for a fresh runner. */
    public void release(RunnerProcess runner) {
        if (runner.isAlive() && !closed) {
            runner.idle();
            idle.addFirst(runner);
        } else {
            if (!closed) {
                replaced.incrementAndGet();
            }
            runner.kill();
            forget(runner);
        }
        giveBackSlot();
    }

    /**
     * A task holding a runner waits for others (its children): its slot goes back to the pool until {@link #unpark},
     * so the runner itself stays with the task while another runner may start for the children.
     */
    public void park() {
        giveBackSlot();
    }

    /**
     * A task about to wait for its children keeps its runner and its slot, provided at least one slot stays for the
     * others (so at most {@code size - 1} tasks hold while waiting). False when none more may: the task should be
     * suspended instead, which keeps the number of runner processes within {@code size}.
     */
    public boolean holdWhileWaiting() {
        while (true) {
            int now = holding.get();
            if (now >= size - 1) {
                return false;
            }
            if (holding.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** A task that held its runner while waiting ({@link #holdWhileWaiting}) goes on running. */
    public void endHold() {
        holding.decrementAndGet();
    }

    /** The waiting task resumes: it takes a slot again, waiting for one if all are busy. */
    public void unpark() {
        slots.acquireUninterruptibly();
    }

    /**
     * The waiting task resumes at once (a timer of its own is due): it takes a slot if one is free, else runs over the
     * pool's size until it next gives a slot back, which then only repays what it took.
     */
    public void unparkNow() {
        if (!slots.tryAcquire()) {
            overdrawn.incrementAndGet();
        }
    }

    private void giveBackSlot() {
        if (overdrawn.getAndUpdate(n -> n > 0 ? n - 1 : 0) == 0) {
            slots.release();
        }
    }

    /**
     * Starts runners until {@code count} are idle, so the first attempts do not pay for JVM start-up. It takes only slots
     * that are free: waiting for a busy one could hold every other slot while a task that holds its runner waits for
     * children that need one (they would never start).
     */
    public void warmUp(int count) throws InterruptedException, RunnerCrashedException {
        List<RunnerProcess> started = new ArrayList<>();
        try {
            for (int i = 0; i < Math.min(count, size); i++) {
                Optional<RunnerProcess> runner = acquireIfFree();
                if (runner.isEmpty()) {
                    return;
                }
                started.add(runner.get());
            }
        } finally {
            started.forEach(this::release);
        }
    }

    /** Slots free now, less those overdrawn: for tests. */
    int freeSlots() {
        return slots.availablePermits() - overdrawn.get();
    }

    /** Pids of live runners, for diagnostics and tests. */
    public List<Long> pids() {
        synchronized (all) {
            return all.stream().filter(RunnerProcess::isAlive).map(RunnerProcess::pid).toList();
        }
    }

    private void forget(RunnerProcess runner) {
        synchronized (all) {
            all.remove(runner);
        }
    }

    @Override
    public void close() {
        closed = true;
        List<RunnerProcess> runners;
        synchronized (all) {
            runners = new ArrayList<>(all);
            all.clear();
        }
        runners.parallelStream().forEach(RunnerProcess::shutdown);
        idle.clear();
    }
}
