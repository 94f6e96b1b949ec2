package run.capsule.engine;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The engine test set-up shared by a test class: a fresh directory, a {@link Capsule} node on an H2 journal in
 * {@code .capsule/} under it with {@code runners} runner processes, opened before the class's tests and closed (the
 * directory deleted) after them. Register it as {@code @RegisterExtension static final EngineNode node = EngineNode.withRunners(2);}.
 */
final class EngineNode implements BeforeAllCallback, AfterAllCallback {
    private final int runners;
    private Path dir;
    private Capsule capsule;

    private EngineNode(int runners) {
        this.runners = runners;
    }

    static EngineNode withRunners(int runners) {
        return new EngineNode(runners);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("capsule-engine-test");
        capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(runners).build());
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (capsule != null) {
                capsule.close();
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    Capsule capsule() {
        return capsule;
    }

    /** The class's directory; the journal is in its {@code .capsule/}. */
    Path dir() {
        return dir;
    }

    /** Writes {@code code} to {@code name} in the class's directory and returns the file. */
    Path source(String name, String code) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, code);
        return file;
    }
}
