package run.capsule.store;

import java.nio.file.Path;
import java.util.Objects;

/** Where the journal lives. The embedded default is an H2 file under a directory (normally {@code ./.capsule}). */
public record JournalConfig(String jdbcUrl, String user, String password, int poolSize) {
    /**
     * Lower-case identifiers as on PostgreSQL; AUTO_SERVER lets every Capsule process share the file at once
     * (the first one serves it over loopback TCP); WRITE_DELAY=0 writes each commit before it returns.
     */
    public static final String EMBEDDED_SETTINGS = ";DATABASE_TO_LOWER=TRUE;AUTO_SERVER=TRUE;WRITE_DELAY=0";

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

    public static JournalConfig embedded(Path directory) {
        Path file = directory.toAbsolutePath().normalize().resolve("journal");
        return new JournalConfig("jdbc:h2:file:" + file + EMBEDDED_SETTINGS, "sa", "", 4);
    }

    /** A database by URL; H2 URLs get H2's usual {@code sa} user unless credentials are set. */
    public static JournalConfig of(String jdbcUrl) {
        boolean h2 = jdbcUrl != null && jdbcUrl.startsWith("jdbc:h2:");
        return new JournalConfig(jdbcUrl, h2 ? "sa" : null, h2 ? "" : null, 4);
    }

    public JournalConfig withCredentials(String user, String password) {
        return new JournalConfig(jdbcUrl, user, password, poolSize);
    }

    public JournalConfig withPoolSize(int size) {
        return new JournalConfig(jdbcUrl, user, password, size);
    }

    public boolean isH2() {
        return jdbcUrl.startsWith("jdbc:h2:");
    }

    /** The URL with any password parameter removed, for messages and logs. */
    public String redactedUrl() {
        return jdbcUrl.replaceAll("(?i)(password=)[^;&]*", "$1***");
    }
}
