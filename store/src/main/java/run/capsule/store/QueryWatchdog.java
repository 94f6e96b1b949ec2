package run.capsule.store;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Cancels a user's statement once it has run too long: H2 has no statement timeout in milliseconds, and a JDBC cancel works on both. */
final class QueryWatchdog implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "capsule-query-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final ScheduledFuture<?> cancel;
    private volatile boolean fired;

    private QueryWatchdog(Statement statement, Duration timeout) {
        this.cancel = TIMER.schedule(() -> {
            fired = true;
            try {
                statement.cancel();
            } catch (SQLException ignored) {
                // the statement ended meanwhile
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    static QueryWatchdog start(Statement statement, Duration timeout) {
        return new QueryWatchdog(statement, timeout);
    }

    boolean fired() {
        return fired;
    }

    @Override
    public void close() {
        cancel.cancel(false);
    }
}
