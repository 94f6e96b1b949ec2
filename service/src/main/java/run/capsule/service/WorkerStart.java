package run.capsule.service;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.engine.Capsule;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;

/**
 * Starts the node's runners, then its worker, on a thread of its own while the HTTP server already answers (readyz
 * says 503 until then). Warming the runners up before the worker claims anything keeps the warm-up from competing
 * with the first attempts and their child tasks for the pool's slots.
 */
public final class WorkerStart {
    private static final Logger log = LoggerFactory.getLogger(WorkerStart.class);
    private final Capsule capsule;
    private final WorkerOptions options;
    private final Thread thread;
    private volatile Worker worker;
    private volatile boolean closed;

    public WorkerStart(Capsule capsule, WorkerOptions options) {
        this.capsule = capsule;
        this.options = options;
        this.thread = new Thread(this::run, "capsule-serve-start");
        this.thread.setDaemon(true);
    }

    public void begin() {
        thread.start();
    }

    private void run() {
        try {
            capsule.warmUp(capsule.options().runners());
        } catch (InterruptedException e) {
            return;
        } catch (RuntimeException e) {
            log.warn("runners did not start ahead of the first task: {}", e.getMessage());
        }
        synchronized (this) {
            if (!closed) {
                worker = capsule.startWorker(options);
            }
        }
    }

    /** Lets the worker claim at once (a task was just submitted on this node); nothing before it has started. */
    public void wake() {
        Worker w = worker;
        if (w != null) {
            w.wake();
        }
    }

    /** Whether the runners were started and the worker is claiming tasks. */
    public boolean started() {
        return worker != null;
    }

    /** Stops the start if it is still under way, else the worker (which drains). */
    public void close() {
        synchronized (this) {
            closed = true;
        }
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker != null) {
            worker.close();
        }
    }
}
