package run.capsule.runner;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A runner's temporary directory, {@code capsule-runner-PID-…}: the attempts' files live under it. A runner that was
 * killed leaves its directory behind (with the last attempt's output in it when the kill came between the result and
 * the deletion), so each runner removes, as it starts, those whose process is gone.
 */
public final class WorkRoots {
    static final String PREFIX = "capsule-runner-";
    /** How long an empty directory of an older runner (whose name carries no PID) is left alone. */
    static final java.time.Duration UNNAMED_AGE = java.time.Duration.ofHours(1);

    private WorkRoots() {
    }

    /** Creates this process's directory (0700) under {@code parent}, after removing the ones of runners no longer alive. */
    public static Path create(Path parent) throws IOException {
        removeStale(parent);
        return Files.createTempDirectory(parent, PREFIX + ProcessHandle.current().pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /**
     * Removes this user's {@code capsule-runner-PID-…} directories under {@code parent} whose PID names no live process,
     * and older runners' empty {@code capsule-runner-N} directories untouched for {@link #UNNAMED_AGE}.
     */
    static void removeStale(Path parent) {
        try (DirectoryStream<Path> roots = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path root : roots) {
                try {
                    removeIfStale(root);
                } catch (IOException | RuntimeException e) {
                    // best effort: another runner may be removing the same directory
                }
            }
        } catch (IOException | RuntimeException e) {
            // the parent cannot be listed: nothing to clean
        }
    }

    private static void removeIfStale(Path root) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)
                || !Files.getOwner(root, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))) {
            return;
        }
        Long pid = ownerPid(root.getFileName().toString());
        if (pid != null && ProcessHandle.of(pid).isEmpty()) {
            RunnerMain.deleteTree(root);
        } else if (pid == null && isEmpty(root)
                && Files.getLastModifiedTime(root).toInstant().isBefore(java.time.Instant.now().minus(UNNAMED_AGE))) {
            // an older runner's directory (no PID in its name), empty and untouched for a while
            Files.deleteIfExists(root);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }

    /** The PID in {@code capsule-runner-PID-…}, or null for any other name (older runners' names carry none). */
    static Long ownerPid(String name) {
        if (!name.startsWith(PREFIX)) {
            return null;
        }
        String rest = name.substring(PREFIX.length());
        int dash = rest.indexOf('-');
        if (dash <= 0) {
            return null;
        }
        try {
            return Long.parseLong(rest.substring(0, dash));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
