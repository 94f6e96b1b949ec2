package run.capsule.engine.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a node on an H2 file journal listens for hand-offs (docs/cli.md): a socket {@code node-PID.sock} in the
 * journal's own directory, which is private to its owner (0700), the socket itself 0600. Computed from a command line
 * without opening the journal: {@code --db}, else {@code $CAPSULE_DB_URL}, else {@code ./.capsule}.
 */
final class HandOffAddress {
    static final String PREFIX = "node-";
    static final String SUFFIX = ".sock";
    private static final String H2_FILE = "jdbc:h2:file:";
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private HandOffAddress() {
    }

    /**
     * The journal file (its path without {@code .mv.db}) a command line uses, resolved against {@code workingDir}; empty
     * for a journal that is not an H2 file (PostgreSQL, in-memory) or whose path depends on more than the working directory.
     */
    static Optional<Path> journalFile(String dbUrl, Path workingDir) {
        if (dbUrl == null || dbUrl.isBlank()) {
            return Optional.of(workingDir.resolve(".capsule").resolve("journal").normalize());
        }
        if (!dbUrl.startsWith(H2_FILE)) {
            return Optional.empty();
        }
        String path = dbUrl.substring(H2_FILE.length());
        int semicolon = path.indexOf(';');
        path = semicolon < 0 ? path : path.substring(0, semicolon);
        if (path.isEmpty() || path.startsWith("~")) {
            return Optional.empty();
        }
        try {
            return Optional.of(workingDir.resolve(path).normalize());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The {@code --db} of a command line ({@code --db URL} or {@code --db=URL} before any {@code --}), else {@code $CAPSULE_DB_URL}. */
    static String dbUrl(String[] argv, Map<String, String> env) {
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--")) {
                break;
            }
            if (argv[i].equals("--db") && i + 1 < argv.length) {
                return argv[i + 1];
            }
            if (argv[i].startsWith("--db=")) {
                return argv[i].substring("--db=".length());
            }
        }
        String url = env.get("CAPSULE_DB_URL");
        return url == null || url.isBlank() ? null : url;
    }

    /**
     * The commands a running node takes over: running and queueing tasks, and the quick reads and the cancel of one task.
     * Not {@code wait} (it would hold one of the node's few hand-off threads for as long as it waits) nor anything that
     * opens its own kind of connection ({@code sql}) or writes files ({@code export}).
     */
    static final java.util.Set<String> HANDED_COMMANDS = java.util.Set.of("run", "submit", "status", "history", "cancel");

    /** The first word of a command line that is neither an option nor {@code --db}'s value, or null if an option comes first. */
    static String subcommand(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--db")) {
                i++;
            } else if (!argv[i].startsWith("--db=")) {
                return argv[i].startsWith("-") ? null : argv[i];
            }
        }
        return null;
    }

    static Path socketOf(Path journalDir, long pid) {
        return journalDir.resolve(PREFIX + pid + SUFFIX);
    }

    /**
     * The sockets advertised in a journal directory, newest first; none unless the directory and each socket belong to
     * this process's user and no one else may use them (a socket another user could have placed is never tried).
     */
    static List<Path> advertised(Path journalDir) {
        List<Path> sockets = new ArrayList<>();
        try {
            PosixFileAttributes dir = Files.readAttributes(journalDir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            String me = System.getProperty("user.name");
            if (!dir.isDirectory() || !dir.owner().getName().equals(me) || !OWNER_ONLY_DIR.containsAll(dir.permissions())) {
                return List.of();
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(journalDir, PREFIX + "*" + SUFFIX)) {
                for (Path entry : entries) {
                    PosixFileAttributes socket = Files.readAttributes(entry, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (socket.isOther() && socket.owner().getName().equals(me) && OWNER_ONLY_DIR.containsAll(socket.permissions())) {
                        sockets.add(entry);
                    }
                }
            }
            sockets.sort(Comparator.comparing(HandOffAddress::modified).reversed());
            return sockets;
        } catch (IOException | UnsupportedOperationException e) {
            return List.of();
        }
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
