package run.capsule.service;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.engine.TestModules;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Server-Sent Events: every transition in id order, resumed after a reconnect with Last-Event-ID without gaps, filtered by tree. */
class EventsTest {
    @RegisterExtension
    static final ServiceNode node = ServiceNode.withRunners(2);

    record Event(long id, JsonNode data) {
    }

    /** Reads events from an open stream until {@code done} holds for one, or 200 s pass (a cold runner compiles CPython first). */
    static List<Event> read(BufferedReader reader, java.util.function.Predicate<Event> done) throws Exception {
        List<Event> events = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(200);
        long id = -1;
        StringBuilder data = new StringBuilder();
        String line;
        while (System.nanoTime() < deadline && (line = reader.readLine()) != null) {
            if (line.startsWith("id: ")) {
                id = Long.parseLong(line.substring(4));
            } else if (line.startsWith("data: ")) {
                data.append(line.substring(6));
            } else if (line.isEmpty() && data.length() > 0) {
                Event event = new Event(id, Api.JSON.readTree(data.toString()));
                events.add(event);
                data.setLength(0);
                if (done.test(event)) {
                    return events;
                }
            }
        }
        throw new AssertionError("stream ended before the expected event; got " + events);
    }

    static HttpResponse<InputStream> open(String query, String lastEventId) throws Exception {
        HttpRequest.Builder request = node.api().request("/api/v1/events" + query).timeout(Duration.ofSeconds(60));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = Api.client().send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return response;
    }

    private static String answer() throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(TestModules.sample("wat/answer.wasm")));
    }

    @Test
    void transitionsArriveInOrderAndAReconnectWithLastEventIdResumesWithoutGaps() throws Exception {
        HttpResponse<InputStream> first = open("", null);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(node.api().submit(Api.JSON.createObjectNode().put("wasm_base64", answer())));
        }
        List<Event> seen;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(first.body(), StandardCharsets.UTF_8))) {
            seen = read(reader, e -> e.data().path("task_id").asText().equals(ids.get(0)) && e.data().path("to").asText().equals("RUNNING"));
        }
        assertThat(seen).extracting(Event::id).isSorted().doesNotHaveDuplicates();
        assertThat(seen).allSatisfy(e -> assertThat(e.data().path("id").asLong()).isEqualTo(e.id()));
        for (String id : ids) {
            node.api().result(id);
        }

        HttpResponse<InputStream> second = open("", Long.toString(seen.get(seen.size() - 1).id()));
        List<Event> resumed;
        Set<String> ended = new java.util.HashSet<>();
        seen.stream().filter(e -> e.data().path("to").asText().equals("SUCCEEDED")).forEach(e -> ended.add(e.data().path("task_id").asText()));
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(second.body(), StandardCharsets.UTF_8))) {
            resumed = read(reader, e -> {
                if (e.data().path("to").asText().equals("SUCCEEDED")) {
                    ended.add(e.data().path("task_id").asText());
                }
                return ended.containsAll(ids);
            });
        }

        List<Event> all = new ArrayList<>(seen);
        all.addAll(resumed);
        assertThat(all).extracting(Event::id).isSorted().doesNotHaveDuplicates();
        List<Long> journaled = node.service().capsule().eventFeed().after(seen.get(0).id() - 1, 1000, null).stream()
                .map(run.capsule.store.FeedEvent::id).filter(id -> id <= resumed.get(resumed.size() - 1).id()).toList();
        assertThat(all).extracting(Event::id).containsExactlyElementsOf(journaled);
        for (String id : ids) {
            assertThat(all).filteredOn(e -> e.data().path("task_id").asText().equals(id)).extracting(e -> e.data().path("to").asText())
                    .containsExactly("PENDING", "RUNNING", "SUCCEEDED");
        }
    }

    @Test
    void aTreeFilterKeepsOneJobsTasks() throws Exception {
        String source = """
                import capsule
                from capsule import task

                @task(name="leaf", compute="MEDIUM", ram="64MB", timeout="120s")
                def leaf(i):
                    return i * 2

                @task(name="main", compute="MEDIUM", ram="64MB", timeout="180s")
                def main():
                    return sum(e["result"] for e in capsule.gather(*[leaf.spawn(i) for i in range(2)]))
                """;
        String other = node.api().submit(Api.JSON.createObjectNode().put("wasm_base64", answer()).put("delay", "1s"));
        String root = node.api().submit(Api.python(source));
        HttpResponse<InputStream> stream = open("?tree=" + root + "&after=0", null);
        List<Event> events;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            events = read(reader, e -> e.data().path("task_id").asText().equals(root) && Set.of("SUCCEEDED", "FAILED").contains(e.data().path("to").asText()));
        }
        assertThat(events.get(events.size() - 1).data().path("to").asText()).as(events.toString()).isEqualTo("SUCCEEDED");
        assertThat(events).allSatisfy(e -> assertThat(e.data().path("root_id").asText()).isEqualTo(root));
        assertThat(events).extracting(e -> e.data().path("task_id").asText()).doesNotContain(other);
        assertThat(events).filteredOn(e -> e.data().path("name").asText().equals("leaf") && e.data().path("to").asText().equals("SUCCEEDED")).hasSize(2);
        assertThat(events).extracting(Event::id).isSorted();
        node.api().post("/api/v1/tasks/" + other + "/cancel", null);
    }
}
