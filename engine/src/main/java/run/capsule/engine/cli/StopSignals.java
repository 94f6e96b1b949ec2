package run.capsule.engine.cli;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a stop on SIGTERM or SIGINT before the JVM starts its shutdown hooks. An embedded H2 database closes itself in
 * its own shutdown hook (AUTO_SERVER rules out DB_CLOSE_ON_EXIT=FALSE), which runs at the same time as any hook of ours;
 * a worker stopping in a hook therefore lost its journal half-way through handing attempts back. Stopping from the
 * signal handler finishes with the journal still open; the shutdown hook stays as the path for other exits.
 */
public final class StopSignals {
    private StopSignals() {
    }

    /**
     * {@code stop} runs once: on SIGTERM or SIGINT, or from a shutdown hook when the JVM exits another way, or when the
     * returned runnable is run (a drain).
     */
    public static Runnable install(Runnable stop, String threadName) {
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable once = () -> {
            if (stopped.compareAndSet(false, true)) {
                stop.run();
            }
        };
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> once.run());
            } catch (IllegalArgumentException e) {
                // the signal is not available here (or the JVM was started with -Xrs); the shutdown hook still stops
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(once, threadName));
        return once;
    }
}
