package run.capsule.engine.programs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import run.capsule.runner.AtomicFiles;

/**
 * Module bytes as files under the cache directory, named by digest, for runners to read. The files this node wrote or
 * found are remembered, so that a module's next task need not read its bytes from the journal again.
 */
public final class ModuleFiles {
    private final Path dir;
    private final Map<String, LaidOut> laidOut = new ConcurrentHashMap<>();

    public ModuleFiles(Path cacheDir) {
        this.dir = cacheDir.resolve("modules");
    }

    /** The file of a module this node already laid out, while it is still there. */
    public Optional<Path> known(String sha256) {
        LaidOut known = laidOut.get(sha256);
        try {
            return known != null && Files.isRegularFile(known.file()) && Files.size(known.file()) == known.size()
                    ? Optional.of(known.file()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private record LaidOut(Path file, long size) {
    }

    public Path ensure(String sha256, byte[] bytes) {
        Path file = dir.resolve(sha256 + ".wasm");
        try {
            if (!Files.isRegularFile(file) || Files.size(file) != bytes.length) {
                AtomicFiles.write(file, bytes);
            }
            laidOut.put(sha256, new LaidOut(file, bytes.length));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write module cache file " + file, e);
        }
    }
}
