package run.capsule.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** Where the journal lives. The embedded default is an H2 file under a directory (normally {@code ./.capsule}). */
/**
 * {@code autoMigrate}: whether opening an existing journal of an older schema migrates it, or refuses until
 * {@code capsule migrate} is run (docs/operations.md). A new, empty database is always migrated. The default: yes for
 * H2 (one machine's journal), no for PostgreSQL (a cluster's, where the operator decides when the schema changes).
 */
public record JournalConfig(String jdbcUrl, String user, String password, int poolSize, boolean autoMigrate) {
    /**
     * Lower-case identifiers as on PostgreSQL; AUTO_SERVER lets every Capsule process share the file at once
     * (the first one serves it over loopback TCP); WRITE_DELAY=0 writes each commit before it returns.
     */
    public static final String EMBEDDED_SETTINGS = ";DATABASE_TO_LOWER=TRUE;AUTO_SERVER=TRUE;WRITE_DELAY=0";

    static {
        // H2 reads this once, on its first use: an AUTO_SERVER serving the journal to other processes listens on loopback only
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }
    }

    public JournalConfig(String jdbcUrl, String user, String password, int poolSize) {
        this(jdbcUrl, user, password, poolSize, jdbcUrl != null && jdbcUrl.startsWith("jdbc:h2:"));
    }

    public JournalConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:h2:") && !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("unsupported database URL '" + jdbcUrl
                    + "': Capsule supports jdbc:h2: and jdbc:postgresql:");
        }
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1");
        }
    }

    /** The file beside an embedded journal that holds its admin password (mode 0600; never put in the JDBC URL). */
    public static final String PASSWORD_FILE = "journal.password";

    /**
     * The embedded journal in {@code directory}: the directory is made private (0700) and the admin user's password is
     * a random one kept in {@link #PASSWORD_FILE} there, created on first use (docs/security.md).
     */
    public static JournalConfig embedded(Path directory) {
        Path dir = PrivateFiles.directory(directory.toAbsolutePath().normalize());
        Path file = dir.resolve("journal");
        boolean olderJournal = Files.exists(dir.resolve("journal.mv.db")) && !Files.exists(dir.resolve(PASSWORD_FILE));
        JournalConfig config = new JournalConfig("jdbc:h2:file:" + file + EMBEDDED_SETTINGS + ";CACHE_SIZE=" + embeddedCacheKilobytes(), "sa",
                PrivateFiles.secret(dir.resolve(PASSWORD_FILE), 24), 4);
        if (olderJournal && !H2Password.setIfStillEmpty(config)) {
            // another process holds the older journal: keep its empty password until an open can set it
            try {
                Files.deleteIfExists(dir.resolve(PASSWORD_FILE));
            } catch (java.io.IOException e) {
                throw new JournalException("cannot remove " + dir.resolve(PASSWORD_FILE) + ": " + e.getMessage(), e);
            }
            return config.withCredentials("sa", "");
        }
        return config;
    }

    /**
     * H2's page cache for the embedded journal: 256 MiB, or a quarter of this JVM's maximum heap if that is less. H2's
     * default (64 MiB) made history queries over a week of a million-task journal take 1-3 s (docs/performance.md); the
     * cache fills only with pages the node reads, so a small journal never uses it all.
     */
    static long embeddedCacheKilobytes() {
        return Math.min(256L * 1024, Runtime.getRuntime().maxMemory() / 4 / 1024);
    }

    /** The file name an H2 file journal's files start with ({@code journal} for {@code .../journal.mv.db}). */
    public String fileBaseName() {
        String path = jdbcUrl.substring(jdbcUrl.indexOf("file:") + 5);
        int semicolon = path.indexOf(';');
        Path file = Path.of(semicolon < 0 ? path : path.substring(0, semicolon)).getFileName();
        return file == null ? "" : file.toString();
    }

    /** The directory of an H2 file journal, or empty for an in-memory or PostgreSQL journal. */
    public Optional<Path> fileDirectory() {
        if (!jdbcUrl.startsWith("jdbc:h2:file:")) {
            return Optional.empty();
        }
        String path = jdbcUrl.substring("jdbc:h2:file:".length());
        int semicolon = path.indexOf(';');
        Path file = Path.of(semicolon < 0 ? path : path.substring(0, semicolon)).toAbsolutePath().normalize();
        return Optional.ofNullable(file.getParent());
    }

    /**
     * A database by URL; H2 URLs get H2's usual {@code sa} user, with the password kept beside an embedded journal's
     * file ({@link #PASSWORD_FILE}) when there is one.
     */
    public static JournalConfig of(String jdbcUrl) {
        boolean h2 = jdbcUrl != null && jdbcUrl.startsWith("jdbc:h2:");
        JournalConfig config = new JournalConfig(jdbcUrl, h2 ? "sa" : null, h2 ? "" : null, 4);
        // an embedded journal named by its URL (another process's --db) keeps its password beside it
        return config.fileDirectory().map(dir -> dir.resolve(PASSWORD_FILE)).filter(Files::isRegularFile)
                .map(file -> config.withCredentials("sa", PrivateFiles.secret(file, 24))).orElse(config);
    }

    public JournalConfig withCredentials(String user, String password) {
        return new JournalConfig(jdbcUrl, user, password, poolSize, autoMigrate);
    }

    public JournalConfig withPoolSize(int size) {
        return new JournalConfig(jdbcUrl, user, password, size, autoMigrate);
    }

    /** Whether an older existing journal is migrated on open ({@code true}) or refused until {@code capsule migrate}. */
    public JournalConfig withAutoMigrate(boolean migrate) {
        return new JournalConfig(jdbcUrl, user, password, poolSize, migrate);
    }

    public boolean isH2() {
        return jdbcUrl.startsWith("jdbc:h2:");
    }

    /** The URL with any password parameter removed, for messages and logs. */
    public String redactedUrl() {
        return jdbcUrl.replaceAll("(?i)(password=)[^;&]*", "$1***");
    }
}
