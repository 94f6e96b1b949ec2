package run.capsule.service.api;

import run.capsule.service.http.ApiError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A submitted source and its local modules written to a private temporary directory (0700), so that the engine describes
 * and journals them through the same path as {@code capsule submit}; deleted on close.
 */
final class SourceFiles implements AutoCloseable {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}");
    private final Path dir;
    private final Path entry;

    private SourceFiles(Path dir, Path entry) {
        this.dir = dir;
        this.entry = entry;
    }

    /** Writes {@code entryName} with {@code entryBytes} and each module (relative path to text) under a new private directory. */
    static SourceFiles write(Path parent, String entryName, byte[] entryBytes, Map<String, String> modules) {
        checkPath("file", entryName);
        modules.keySet().forEach(p -> checkPath("modules." + p, p));
        Path dir;
        try {
            Files.createDirectories(parent);
            dir = Files.createTempDirectory(parent, "api-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a private directory for a submitted source", e);
        }
        SourceFiles files = new SourceFiles(dir, dir.resolve(entryName));
        try {
            Files.write(files.entry, entryBytes);
            for (Map.Entry<String, String> module : modules.entrySet()) {
                Path file = dir.resolve(module.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, module.getValue());
            }
        } catch (IOException | RuntimeException e) {
            files.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        return files;
    }

    Path entry() {
        return entry;
    }

    /** A relative path of plain segments: no absolute path, no {@code ..}, no hidden or odd names. */
    private static void checkPath(String field, String path) {
        if (path == null || path.isEmpty() || path.length() > 300 || path.startsWith("/") || path.contains("\\")) {
            throw ApiError.invalid(field + ": must be a relative path such as helpers/util.py");
        }
        for (String segment : path.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals("..")) {
                throw ApiError.invalid(field + ": '" + segment + "' is not a plain file or directory name (letters, digits, '_', '.', '-')");
            }
        }
    }

    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // a leftover private temporary directory; nothing else to do
        }
    }
}
