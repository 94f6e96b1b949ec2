package run.capsule.engine.pool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * A class-data-sharing archive of the runner JVM's classes (JDK dynamic CDS) under the cache directory, keyed by the
 * class path and the JDK: runner start-up loads its classes from the archive instead of the jars. The first runner
 * started without an archive writes one when it exits; a lock file keeps it to one writer at a time. JVM log output
 * goes to stderr only, since a runner's stdout carries protocol frames. A class path with a directory gets no archive.
 */
final class ClassDataArchive {
    private static final Duration STALE_LOCK = Duration.ofMinutes(10);
    private static final List<String> QUIET = List.of("-Xlog:disable", "-Xlog:all=error:stderr");
    private final boolean usable;
    private final Path archive;
    private final Path partial;
    private final Path lock;

    private ClassDataArchive(Path dir, String key, boolean usable) {
        this.usable = usable;
        this.archive = dir.resolve("runner-" + key + ".jsa");
        this.partial = dir.resolve("runner-" + key + ".jsa.partial");
        this.lock = dir.resolve("runner-" + key + ".lock");
    }

    static ClassDataArchive forRunner(Path cacheDir, String classPath) {
        return new ClassDataArchive(cacheDir.resolve("cds"), key(classPath), !hasDirectory(classPath));
    }

    /**
     * The JVM refuses to write or map a dynamic archive when the class path holds a non-empty directory (as it does when
     * run from {@code target/classes} or an IDE), and says so on stderr at every runner start and exit; such class paths
     * get no archive.
     */
    static boolean hasDirectory(String classPath) {
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isDirectory(Path.of(entry))) {
                return true;
            }
        }
        return false;
    }

    /** The JVM options for the next runner; {@code writes} tells whether that runner writes the archive. */
    record Options(List<String> jvmOptions, boolean writes) {
    }

    Options next() {
        if (!usable) {
            return new Options(List.of(), false);
        }
        if (Files.isRegularFile(archive)) {
            List<String> options = new java.util.ArrayList<>(List.of("-XX:SharedArchiveFile=" + archive));
            options.addAll(QUIET);
            return new Options(options, false);
        }
        try {
            Files.createDirectories(lock.getParent());
            if (Files.exists(lock) && Files.getLastModifiedTime(lock).toInstant().isBefore(Instant.now().minus(STALE_LOCK))) {
                Files.deleteIfExists(lock);
            }
            Files.createFile(lock);
        } catch (FileAlreadyExistsException e) {
            return new Options(List.of(), false);
        } catch (IOException e) {
            return new Options(List.of(), false);
        }
        List<String> options = new java.util.ArrayList<>(List.of("-XX:ArchiveClassesAtExit=" + partial));
        options.addAll(QUIET);
        return new Options(options, true);
    }

    /** The writing runner exited: its archive, if complete, becomes the archive. */
    void written() {
        try {
            if (Files.isRegularFile(partial) && Files.size(partial) > 0) {
                Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException ignored) {
            // no archive this time; the next runner tries again
        } finally {
            try {
                Files.deleteIfExists(partial);
                Files.deleteIfExists(lock);
            } catch (IOException ignored) {
                // a stale lock expires
            }
        }
    }

    private static String key(String classPath) {
        StringBuilder all = new StringBuilder(System.getProperty("java.home")).append('|').append(System.getProperty("java.vm.version"));
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            all.append('|').append(entry);
            try {
                if (Files.isRegularFile(path)) {
                    FileTime modified = Files.getLastModifiedTime(path);
                    all.append(':').append(Files.size(path)).append(':').append(modified.toMillis());
                }
            } catch (IOException ignored) {
                // the entry is part of the key by name only
            }
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(all.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
