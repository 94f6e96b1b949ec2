package run.capsule.engine.execution;

import run.capsule.protocol.Program;
import run.capsule.store.ModuleStore;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A digest of the runner's code (its jar, or its guest-library resources when run from classes): a described
 * source is described again when the guest libraries change.
 */
public final class GuestFingerprint {
    private static volatile String value;

    private GuestFingerprint() {
    }

    public static String value() {
        String v = value;
        if (v == null) {
            v = compute();
            value = v;
        }
        return v;
    }

    private static String compute() {
        try {
            Path location = Path.of(Program.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(location)) {
                return ModuleStore.sha256(Files.readAllBytes(location));
            }
            Path guest = location.resolve("guest");
            if (!Files.isDirectory(guest)) {
                return "none";
            }
            StringBuilder all = new StringBuilder();
            try (Stream<Path> files = Files.walk(guest)) {
                for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                    all.append(guest.relativize(file)).append('=').append(ModuleStore.sha256(Files.readAllBytes(file))).append('\n');
                }
            }
            return ModuleStore.sha256(all.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException | URISyntaxException e) {
            return "unknown-" + System.nanoTime();
        }
    }
}
