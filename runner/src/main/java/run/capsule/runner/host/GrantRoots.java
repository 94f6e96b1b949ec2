package run.capsule.runner.host;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The engine journals every granted directory by its real path (docs/security.md). A grant whose path no longer is its
 * real path — a component swapped for a symlink since, perhaps by a task with a read-write grant above it — is refused
 * rather than followed.
 */
public final class GrantRoots {
    private GrantRoots() {
    }

    public static Path requireUnlinked(Path root) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        Path real = absolute.toRealPath();
        if (!real.equals(absolute)) {
            throw new IOException("the granted directory " + absolute + " now leads to " + real + " through a symlink; it is not granted");
        }
        return absolute;
    }
}
