package run.capsule.service.mcp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Deletes a private scratch directory and what is left in it. */
final class Scratch {
    private Scratch() {
    }

    static void delete(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover empty private directory under the temp dir
        }
    }
}
