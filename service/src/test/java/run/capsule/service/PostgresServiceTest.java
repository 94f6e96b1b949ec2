package run.capsule.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.TestModules;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.service.config.ServeSettings;
import run.capsule.store.JournalConfig;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Two serve nodes side by side on one PostgreSQL journal: each sees, lists and streams what the other runs. */
class PostgresServiceTest {
    @Test
    void twoServeNodesShareOnePostgresJournal() throws Exception {
        Path dir = Files.createTempDirectory("capsule-service-pg");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            JournalConfig journal = JournalConfig.of(pg.getJdbcUrl("postgres", "postgres")).withCredentials("postgres", "postgres");
            WorkerOptions worker = WorkerOptions.DEFAULT.withPollInterval(Duration.ofMillis(50)).withDrainTimeout(Duration.ofSeconds(5));
            try (CapsuleService a = CapsuleService.start(CapsuleOptions.builder().journal(journal).runners(1).nodeId("node-a").build(), worker,
                    ServeSettings.loopback(0, 1), dir, Map.of());
                 CapsuleService b = CapsuleService.start(CapsuleOptions.builder().journal(journal).runners(1).nodeId("node-b").build(), worker,
                         ServeSettings.loopback(0, 1), dir, Map.of())) {
                Api onA = new Api(a.url(), null);
                Api onB = new Api(b.url(), null);
                HttpResponse<InputStream> stream = Api.client().send(onB.request("/api/v1/events").GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());

                var body = Api.python(Files.readString(TestModules.sample("python/hello.py")));
                body.putArray("args").add("Postgres");
                String id = onA.submit(body);
                JsonNode envelope = onB.result(id);

                assertThat(envelope.path("result").path("greeting").asText()).isEqualTo("Hello, Postgres!");
                assertThat(onB.get("/api/v1/tasks?language=python").json().path("tasks").findValuesAsText("id")).contains(id);
                assertThat(onA.get("/api/v1/stats").json().path("nodes").findValuesAsText("id")).contains("node-a", "node-b");
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                    List<EventsTest.Event> events = EventsTest.read(reader, e -> e.data().path("task_id").asText().equals(id)
                            && e.data().path("to").asText().equals("SUCCEEDED"));
                    assertThat(events).extracting(e -> e.data().path("to").asText()).containsExactly("PENDING", "RUNNING", "SUCCEEDED");
                }
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
