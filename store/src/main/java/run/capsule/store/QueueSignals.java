package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Wakes the workers of every node when a task due now is queued, on PostgreSQL: the submit transaction sends
 * {@code NOTIFY capsule_queue} (delivered at its commit), and each worker listens on a connection of its own, outside the
 * pool, reconnecting after a database restart. Dialect-specific (docs/sql.md, "Dialect-specific statements"); H2 has no
 * notifications, so on H2 {@link #listen} does nothing and workers see other processes' tasks at their poll.
 */
public final class QueueSignals {
    private static final Logger log = LoggerFactory.getLogger(QueueSignals.class);
    static final String CHANNEL = "capsule_queue";
    /** How long one wait for notifications blocks, and so how long {@link Listener#close} may take. */
    private static final int WAIT_MS = 250;
    private static final long RECONNECT_MS = 1000;
    private final JournalConfig config;

    QueueSignals(JournalConfig config) {
        this.config = config;
    }

    /** In a transaction that queued a task due now: on PostgreSQL, listeners are told when it commits. */
    static void queued(DSLContext tx) {
        if (tx.dialect().family() == SQLDialect.POSTGRES) {
            tx.execute("NOTIFY " + CHANNEL);
        }
    }

    /** Calls {@code onQueued} (on a thread of its own) after each commit that queued a task, and after each (re)connect. */
    public Listener listen(Runnable onQueued) {
        return new Listener(config.isH2() ? null : onQueued);
    }

    /** A listening connection and its thread; nothing at all on H2. */
    public final class Listener implements AutoCloseable {
        private final Runnable onQueued;
        private final Thread thread;
        private volatile boolean open = true;

        private Listener(Runnable onQueued) {
            this.onQueued = onQueued;
            this.thread = onQueued == null ? null : new Thread(this::run, "capsule-queue-listener");
            if (thread != null) {
                thread.setDaemon(true);
                thread.start();
            }
        }

        private void run() {
            while (open) {
                try (Connection connection = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password())) {
                    try (Statement listen = connection.createStatement()) {
                        listen.execute("LISTEN " + CHANNEL);
                    }
                    onQueued.run(); // whatever was queued while not listening
                    PGConnection pg = connection.unwrap(PGConnection.class);
                    while (open) {
                        PGNotification[] notifications = pg.getNotifications(WAIT_MS);
                        if (notifications != null && notifications.length > 0) {
                            onQueued.run();
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    if (open) {
                        log.debug("queue listener lost its connection ({}); reconnecting", Journal.rootMessage(e));
                        sleep();
                    }
                }
            }
        }

        private void sleep() {
            try {
                Thread.sleep(RECONNECT_MS);
            } catch (InterruptedException e) {
                open = false;
            }
        }

        @Override
        public void close() {
            open = false;
            if (thread != null) {
                thread.interrupt();
                try {
                    thread.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
