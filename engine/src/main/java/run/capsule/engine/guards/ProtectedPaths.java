package run.capsule.engine.guards;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.MountSpec;

/**
 * Directories no grant may contain or lie inside (docs/security.md): the journal's directory (its database, password and
 * secrets key), the cache (interpreters, journaled sources, compiled modules) and Capsule's own code. A task granted
 * any of them could read other tasks' history and secrets or change what later tasks run.
 */
public final class ProtectedPaths {
    private record Protected(Path path, String what) {
    }

    private final List<Protected> paths;

    public ProtectedPaths(List<Path> journalDirs, Path cacheDir) {
        List<Protected> list = new ArrayList<>();
        journalDirs.forEach(d -> list.add(new Protected(real(d), "the journal directory")));
        list.add(new Protected(real(cacheDir), "Capsule's cache directory"));
        try {
            Path code = Path.of(ProtectedPaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            list.add(new Protected(real(code.getParent()), "Capsule's own code"));
        } catch (URISyntaxException | RuntimeException e) {
            // no code location to protect (an unusual class loader)
        }
        this.paths = List.copyOf(list);
    }

    /** Refuses a grant that contains a protected directory or lies inside one. */
    public void check(Collection<MountSpec> mounts) {
        for (MountSpec mount : mounts) {
            Path granted = real(mount.hostPath());
            for (Protected p : paths) {
                if (p.path().startsWith(granted) || granted.startsWith(p.path())) {
                    throw new InvalidInputException("cannot grant " + mount.hostPath() + ": it " + (p.path().startsWith(granted) ? "contains " : "is inside ")
                            + p.what() + " (" + p.path() + "); grant a directory of its own");
                }
            }
        }
    }

    private static Path real(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        try {
            return Files.exists(absolute) ? absolute.toRealPath() : absolute;
        } catch (IOException e) {
            return absolute;
        }
    }
}
