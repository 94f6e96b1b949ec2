package run.capsule.engine.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.ConnectionLoss;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The journal database out of reach (restarting, network cut): which errors say so, a log line when it goes away and
 * one when it is back (not one per failed poll), and retrying a write until it is back with a capped backoff.
 */
public final class JournalOutage {
    private static final Logger log = LoggerFactory.getLogger(JournalOutage.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private final String what;
    private final AtomicLong downSinceNanos = new AtomicLong();

    /** {@code what}: who is cut off, for the log ("node n1"). */
    public JournalOutage(String what) {
        this.what = what;
    }

    /** Whether {@code e} is the database connection failing rather than the statement ({@link ConnectionLoss}). */
    public static boolean isConnectionLoss(Throwable e) {
        return ConnectionLoss.is(e);
    }

    /** Records a failed journal call: logs the outage once, when it starts. */
    public void failed(RuntimeException e) {
        if (downSinceNanos.compareAndSet(0, System.nanoTime())) {
            log.warn("{}: journal unreachable ({}); retrying with backoff up to {} s", what, firstLine(e), MAX_BACKOFF.toSeconds());
        }
    }

    /** Records a journal call that worked: logs the end of an outage once. */
    public void reached() {
        long since = downSinceNanos.getAndSet(0);
        if (since != 0) {
            log.warn("{}: journal reachable again after {} ms", what, (System.nanoTime() - since) / 1_000_000);
        }
    }

    /** The wait after {@code failures} failures in a row: doubling from 100 ms, at most {@link #MAX_BACKOFF}. */
    public static Duration backoff(int failures) {
        long ms = FIRST_BACKOFF.toMillis() << Math.min(failures, 10);
        return Duration.ofMillis(Math.min(ms, MAX_BACKOFF.toMillis()));
    }

    /**
     * Runs {@code call} until it gets through: while it fails with a connection loss it is retried with backoff (an
     * acknowledged outcome must not be dropped because the database restarted); any other error is thrown at once.
     */
    public <T> T untilReachable(java.util.function.Supplier<T> call) throws InterruptedException {
        for (int failures = 0; ; failures++) {
            try {
                T value = call.get();
                reached();
                return value;
            } catch (RuntimeException e) {
                if (!isConnectionLoss(e)) {
                    throw e;
                }
                failed(e);
                Thread.sleep(backoff(failures).toMillis());
            }
        }
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
