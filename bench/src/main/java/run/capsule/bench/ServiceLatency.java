package run.capsule.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.service.CapsuleService;
import run.capsule.service.config.ServeSettings;
import run.capsule.store.JournalConfig;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * Issue #13's service figures on one node, side by side in one run: submit-to-result through the REST API (POST, then
 * the long-poll) against the same task through the Java API (submit + await, the same queue path; and {@code run}, the
 * local path), and how long after a submit its {@code submitted} event reaches an SSE client. Usage:
 * {@code ServiceLatency MODULE.wasm [tasks] [runners]}.
 */
public final class ServiceLatency {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        Path module = Path.of(args[0]);
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int runners = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path dir = Files.createTempDirectory("capsule-service-latency");
        CapsuleOptions options = CapsuleOptions.builder().journal(JournalConfig.embedded(dir.resolve(".capsule"))).runners(runners).build();
        try (CapsuleService service = CapsuleService.start(options, WorkerOptions.DEFAULT, ServeSettings.loopback(0, runners), dir, Map.of())) {
            Capsule capsule = service.capsule();
            String base = service.url() + "/api/v1";
            String body = JSON.createObjectNode().put("wasm_base64", Base64.getEncoder().encodeToString(Files.readAllBytes(module)))
                    .set("args", JSON.createArrayNode().add("bench")).toString();
            TaskSpec spec = TaskSpec.builder(module).arg("bench").build();
            Events events = Events.open(base + "/events");
            for (int i = 0; i < 50; i++) {
                viaApi(base, body);
                viaQueue(capsule, spec);
            }
            long[] api = new long[tasks];
            long[] queue = new long[tasks];
            long[] local = new long[tasks];
            long[] eventDelay = new long[tasks];
            for (int i = 0; i < tasks; i++) {
                long submitStarted = System.nanoTime();
                String id = viaApi(base, body);
                api[i] = (System.nanoTime() - submitStarted) / 1000;
                eventDelay[i] = (events.seen(id).await() - submitStarted) / 1000;
                queue[i] = timed(() -> viaQueue(capsule, spec));
                local[i] = timed(() -> capsule.run(spec));
            }
            System.out.printf("%d hello tasks each way, %d runners, H2 file journal; interleaved in one run%n", tasks, runners);
            System.out.println("REST API, POST /tasks + GET /tasks/{id}/result?wait=30s: " + Percentiles.of(api).describeMillis());
            System.out.println("Java API, submit + await (the same queue path):        " + Percentiles.of(queue).describeMillis());
            System.out.println("Java API, Capsule.run (claimed on the calling thread):  " + Percentiles.of(local).describeMillis());
            System.out.println("SSE: submit call started -> its 'submitted' event read: " + Percentiles.of(eventDelay).describeMillis());
            events.close();
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static long timed(Call call) throws Exception {
        long started = System.nanoTime();
        call.run();
        return (System.nanoTime() - started) / 1000;
    }

    private static void viaQueue(Capsule capsule, TaskSpec spec) throws InterruptedException {
        String id = capsule.submit(spec, SubmitOptions.NOW).taskId();
        if (capsule.await(id, Duration.ofSeconds(60)).isEmpty()) {
            throw new IllegalStateException("task " + id + " did not end");
        }
    }

    private static String viaApi(String base, String body) throws Exception {
        HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/tasks"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (submitted.statusCode() != 201) {
            throw new IllegalStateException("submit answered " + submitted.statusCode() + ": " + submitted.body());
        }
        String id = JSON.readTree(submitted.body()).path("id").asText();
        HttpResponse<String> result = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/tasks/" + id + "/result?wait=30s")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (result.statusCode() != 200) {
            throw new IllegalStateException("result answered " + result.statusCode() + ": " + result.body());
        }
        return id;
    }

    /** An SSE client on its own thread that notes when each task's {@code submitted} event arrives. */
    private static final class Events implements AutoCloseable {
        private final Map<String, Arrival> arrivals = new ConcurrentHashMap<>();
        private final Thread reader;
        private final InputStream stream;

        private Events(InputStream stream) {
            this.stream = stream;
            this.reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static Events open(String url) throws Exception {
            HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            return new Events(response.body());
        }

        Arrival seen(String taskId) {
            return arrivals.computeIfAbsent(taskId, k -> new Arrival());
        }

        private void read() {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith("data:")) {
                        long at = System.nanoTime();
                        JsonNode event = JSON.readTree(line.substring(5).trim());
                        if ("submitted".equals(event.path("reason").asText())) {
                            seen(event.path("task_id").asText()).arrived(at);
                        }
                    }
                }
            } catch (Exception e) {
                // closed
            }
        }

        @Override
        public void close() throws Exception {
            stream.close();
        }
    }

    private static final class Arrival {
        private final CountDownLatch latch = new CountDownLatch(1);
        private volatile long at;

        void arrived(long nanos) {
            at = nanos;
            latch.countDown();
        }

        long await() throws InterruptedException {
            if (!latch.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("no submitted event within 30 s");
            }
            return at;
        }
    }

    private ServiceLatency() {
    }
}
