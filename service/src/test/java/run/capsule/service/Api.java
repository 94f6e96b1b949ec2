package run.capsule.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A client of the service's API over real HTTP (java.net.http). */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String base;
    private final String token;

    Api(String base, String token) {
        this.base = base;
        this.token = token;
    }

    record Reply(int status, JsonNode json, String text, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    Reply post(String path, Object body) throws IOException, InterruptedException {
        String text = body == null ? "" : body instanceof String s ? s : JSON.writeValueAsString(body);
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(text)).build());
    }

    Reply method(String method, String path) throws IOException, InterruptedException {
        return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(90));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    static HttpClient client() {
        return CLIENT;
    }

    private static Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (type.startsWith("application/json") && !response.body().isEmpty()) {
            json = JSON.readTree(response.body());
        }
        return new Reply(response.statusCode(), json, response.body(), response);
    }

    static ObjectNode python(String source) {
        return JSON.createObjectNode().put("source", source).put("language", "python");
    }

    /** Submits and returns the new id (asserting 201). */
    String submit(ObjectNode body) throws IOException, InterruptedException {
        Reply reply = post("/api/v1/tasks", body);
        if (reply.status() != 201) {
            throw new AssertionError("submit answered " + reply.status() + ": " + reply.text());
        }
        return reply.json().path("id").asText();
    }

    /** Long-polls until the task ends and returns its envelope. */
    JsonNode result(String id) throws IOException, InterruptedException {
        for (int i = 0; i < 6; i++) {
            Reply reply = get("/api/v1/tasks/" + id + "/result?wait=20s");
            if (reply.status() == 200) {
                return reply.json();
            }
            if (reply.status() != 202) {
                throw new AssertionError("result answered " + reply.status() + ": " + reply.text());
            }
        }
        throw new AssertionError("task " + id + " did not end");
    }
}
