package run.capsule.service.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.service.CapsuleService;
import run.capsule.service.config.ServeSettings;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** A real {@code capsule serve} in this JVM (random port, real runner processes, an H2 file) and a JSON client for its API. */
final class ServiceUnderTest implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CapsuleService service;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServiceUnderTest(CapsuleService service, String token) {
        this.service = service;
        this.token = token;
    }

    /** {@code tokenFileLines} null: no token (loopback); else the token file's lines, {@code adminToken} the one this client sends. */
    static ServiceUnderTest start(Path dir, int runners, String tokenFileText, String adminToken) throws Exception {
        ServeSettings settings = ServeSettings.loopback(0, runners);
        if (tokenFileText != null) {
            Path tokens = dir.resolve("tokens");
            Files.writeString(tokens, tokenFileText);
            settings = settings.withTokenFile(tokens);
        }
        CapsuleOptions options = CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(runners).build();
        CapsuleService service = CapsuleService.start(options, WorkerOptions.DEFAULT, settings, dir, Map.of());
        ServiceUnderTest serve = new ServiceUnderTest(service, adminToken);
        serve.awaitReady();
        return serve;
    }

    /**
     * Waits for {@code /readyz} (runners started), as a client of a fresh server should. Without it, in 3 of the first
     * 5 runs a child submitted the moment {@code serve} started stayed RUNNING for over a minute (its parent RUNNING,
     * waiting); 5 later runs without the wait did not stall, and none with it has. Cause not pinned down (suspects: the
     * start-up warm-up taking every runner slot while the worker already runs the parent, or a cold CPython compile);
     * reported to the service's owner.
     */
    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(url() + "/readyz")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (ready.statusCode() == 200) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("serve not ready after 60 s: " + ready.body());
            }
            Thread.sleep(100);
        }
    }

    String url() {
        return service.url();
    }

    JsonNode post(String path, Object body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url() + "/api/v1" + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url() + "/api/v1" + path)).GET());
    }

    /** The API's answer for {@code path}, or why there is none: for failure messages. */
    String describe(String path) {
        try {
            return "the API said for " + path + ": " + get(path);
        } catch (IOException | InterruptedException | RuntimeException e) {
            return "the API did not answer " + path + ": " + e;
        }
    }

    String submit(Map<String, Object> body) throws IOException, InterruptedException {
        return post("/tasks", body).path("id").asText();
    }

    String status(String id) throws IOException, InterruptedException {
        return get("/tasks/" + id).path("status").asText();
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    @Override
    public void close() {
        service.close();
    }
}
