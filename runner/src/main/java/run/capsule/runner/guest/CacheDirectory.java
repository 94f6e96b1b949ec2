package run.capsule.runner.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Cache directories that appear whole or not at all: filled beside their place, then renamed into it. */
public final class CacheDirectory {
    private CacheDirectory() {
    }

    /** What puts the files into the fresh directory. */
    @FunctionalInterface
    public interface Filler {
        void fill(Path dir) throws IOException;
    }

    /** Creates {@code target} with {@code filler} unless it exists; another process doing the same first is fine. */
    public static void create(Path target, Filler filler) throws IOException {
        if (Files.isDirectory(target)) {
            return;
        }
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + "-");
        try {
            filler.fill(temp);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(target)) {
                    throw new IOException("cannot move " + temp + " to " + target + ": " + e.getMessage(), e);
                }
            }
        } finally {
            deleteTree(temp);
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
