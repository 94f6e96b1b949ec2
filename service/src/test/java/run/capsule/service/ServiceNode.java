package run.capsule.service;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.service.config.ServeSettings;
import run.capsule.store.JournalConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** A real {@code capsule serve} in-process for one test class: random port, real runners, an H2 file (or the given journal). */
final class ServiceNode implements BeforeAllCallback, AfterAllCallback {
    private final int runners;
    private final UnaryOperator<ServeSettings> settings;
    private final JournalConfig journal;
    private Path dir;
    private CapsuleService service;
    private Api api;

    private ServiceNode(int runners, UnaryOperator<ServeSettings> settings, JournalConfig journal) {
        this.runners = runners;
        this.settings = settings;
        this.journal = journal;
    }

    static ServiceNode withRunners(int runners) {
        return new ServiceNode(runners, s -> s, null);
    }

    static ServiceNode withRunners(int runners, UnaryOperator<ServeSettings> settings) {
        return new ServiceNode(runners, settings, null);
    }

    static ServiceNode on(JournalConfig journal, int runners) {
        return new ServiceNode(runners, s -> s, journal);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("capsule-service-test");
        CapsuleOptions options = CapsuleOptions.builder()
                .journal(journal != null ? journal : JournalConfig.embedded(dir.resolve(".capsule")))
                .runners(runners).build();
        service = CapsuleService.start(options, WorkerOptions.DEFAULT.withPollInterval(Duration.ofMillis(50)).withDrainTimeout(Duration.ofSeconds(5)),
                settings.apply(ServeSettings.loopback(0, runners)), dir, Map.of("SERVER_SECRET", "s3cr3t-value"));
        api = new Api(service.url(), null);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (service != null) {
                service.close();
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    Api api() {
        return api;
    }

    Api api(String token) {
        return new Api(service.url(), token);
    }

    CapsuleService service() {
        return service;
    }

    Path dir() {
        return dir;
    }
}
