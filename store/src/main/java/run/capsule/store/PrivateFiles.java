package run.capsule.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Files only the engine's user may read (docs/security.md): directories 0700, files 0600, and random keys kept in such
 * files. Where the file system has no POSIX permissions the modes are left as they are.
 */
public final class PrivateFiles {
    private PrivateFiles() {
    }

    /** Creates the directory if needed and makes it and the regular files directly in it private to this user. */
    public static Path directory(Path dir) {
        try {
            Files.createDirectories(dir);
            chmod(dir, "rwx------");
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                        chmod(file, "rw-------");
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + dir + " private", e);
        }
    }

    /** Makes the regular files in {@code dir} whose names start with {@code prefix} (a database's files) private. */
    public static void files(Path dir, String prefix) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().startsWith(prefix) && Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    chmod(file, "rw-------");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the files of " + dir + " private", e);
        }
    }

    /**
     * The random secret kept in {@code file} (hex, {@code bytes} long), created with mode 0600 on first use. Two
     * processes creating it at once agree: the loser reads the winner's.
     */
    public static String secret(Path file, int bytes) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                byte[] random = new byte[bytes];
                new SecureRandom().nextBytes(random);
                Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), ".key-", ".part"); // 0600
                Files.writeString(temp, HexFormat.of().formatHex(random), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
                try {
                    Files.createLink(file, temp);
                } catch (FileAlreadyExistsException e) {
                    // another process made it first
                } finally {
                    Files.deleteIfExists(temp);
                }
            }
            chmod(file, "rw-------");
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!text.matches("[0-9a-f]{" + bytes * 2 + "}")) {
                throw new IOException("it does not hold " + bytes + " random bytes as hex");
            }
            return text;
        } catch (IOException e) {
            throw new JournalException("cannot read or create the key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void chmod(Path path, String mode) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }
}
