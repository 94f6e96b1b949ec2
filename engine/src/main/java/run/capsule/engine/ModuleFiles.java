package run.capsule.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Module bytes as files under the cache directory, named by digest, for runners to read. */
final class ModuleFiles {
    private final Path dir;

    ModuleFiles(Path cacheDir) {
        this.dir = cacheDir.resolve("modules");
    }

    Path ensure(String sha256, byte[] bytes) {
        Path file = dir.resolve(sha256 + ".wasm");
        try {
            if (Files.isRegularFile(file) && Files.size(file) == bytes.length) {
                return file;
            }
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, sha256, ".part");
            try {
                Files.write(temp, bytes);
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write module cache file " + file, e);
        }
    }
}
