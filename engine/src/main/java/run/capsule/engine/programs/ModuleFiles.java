package run.capsule.engine.programs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import run.capsule.runner.AtomicFiles;

/** Module bytes as files under the cache directory, named by digest, for runners to read. */
public final class ModuleFiles {
    private final Path dir;

    public ModuleFiles(Path cacheDir) {
        this.dir = cacheDir.resolve("modules");
    }

    public Path ensure(String sha256, byte[] bytes) {
        Path file = dir.resolve(sha256 + ".wasm");
        try {
            if (Files.isRegularFile(file) && Files.size(file) == bytes.length) {
                return file;
            }
            AtomicFiles.write(file, bytes);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write module cache file " + file, e);
        }
    }
}
