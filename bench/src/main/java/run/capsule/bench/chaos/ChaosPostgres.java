package run.capsule.bench.chaos;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The cluster's embedded PostgreSQL with {@code fsync} and {@code synchronous_commit} on, on a fixed port and data
 * directory so that it can be stopped and started again under load as the same server.
 */
final class ChaosPostgres implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private EmbeddedPostgres server;

    private ChaosPostgres(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    static ChaosPostgres start(Path dataDir) throws IOException {
        ChaosPostgres pg = new ChaosPostgres(dataDir, freePort());
        pg.server = pg.launch();
        return pg;
    }

    /** Never a clean data directory: that would delete it on close; initdb runs only where no postgresql.conf is. */
    private EmbeddedPostgres launch() throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_connections", "200")
                .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                .start();
    }

    /** Stops the server (a fast shutdown: sessions are cut), waits {@code downMillis}, and starts it on the same files. */
    synchronized void restart(long downMillis) throws IOException, InterruptedException {
        server.close();
        server = null;
        Thread.sleep(downMillis);
        server = launch();
    }

    String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
