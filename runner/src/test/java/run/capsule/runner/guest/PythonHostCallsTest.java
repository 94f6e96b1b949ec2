package run.capsule.runner.guest;

import run.capsule.protocol.ErrorType;
import run.capsule.protocol.EngineOp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Program;
import run.capsule.runner.host.EngineLink;
import run.capsule.runner.host.HostCallException;
import run.capsule.runner.host.HostCalls;
import run.capsule.runner.host.HttpGateway;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The guest library's host calls: HTTP through the runner, child tasks through the engine. */
class PythonHostCallsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static PythonGuest guest;
    static HttpServer server;
    static final RecordingEngine engine = new RecordingEngine();

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/hello", exchange -> {
            byte[] body = ("{\"greeting\":\"hi\",\"header\":\"" + exchange.getRequestHeaders().getFirst("X-Test") + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/echo", exchange -> {
            byte[] body = (exchange.getRequestMethod() + " " + exchange.getRequestHeaders().getFirst("Content-Type") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(201, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/big", exchange -> {
            byte[] body = "0123456789".repeat(30_000).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/slow", exchange -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "loopback-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        guest = PythonGuest.start(work);
        guest.sandbox.serveHostCalls(HostCalls.withHttp(HttpGateway.newClient(), InetAddress::getAllByName, engine));
    }

    @AfterAll
    static void stop() {
        if (guest != null) {
            guest.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    @BeforeEach
    void clear() {
        engine.requests.clear();
    }

    /** Runs {@code main(base)} of {@code code}, granted the loopback server at {@code base}. */
    private static AttemptResult runGranted(String file, String code) throws Exception {
        int port = server.getAddress().getPort();
        String base = "http://127.0.0.1:" + port;
        return guest.run(guest.attempt(guest.source(file, code), file, Program.RUN)
                .task("main", "{\"args\":[\"" + base + "\"],\"kwargs\":{}}")
                .grants(List.of("127.0.0.1:" + port), List.of()));
    }

    @Test
    void httpReachesAGrantedLoopbackServer() throws Exception {
        String code = """
                import capsule
                from capsule import task, http

                @task(name="main")
                def main(base):
                    r = http.get(base + "/hello", headers={"X-Test": "yes"})
                    p = capsule.http.post(base + "/echo", json={"a": 1})
                    try:
                        http.get("http://example.com/")
                        refused = None
                    except capsule.HostError as e:
                        refused = e.type
                    try:
                        http.get(base + "/slow", timeout=0.3)
                        slow = None
                    except capsule.HostError as e:
                        slow = e.type
                    big = http.request("get", base + "/big").text
                    return {"status": r.status, "ok": r.ok, "json": r.json(), "type": r.headers.get("content-type"),
                            "echo": [p.status, p.text], "refused": refused, "slow": slow,
                            "big": [len(big), big == "0123456789" * 30000]}
                """;
        AttemptResult result = runGranted("web.py", code);

        assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
        assertThat(JSON.readTree(result.value())).isEqualTo(JSON.readTree("{\"status\":200,\"ok\":true,"
                + "\"json\":{\"greeting\":\"hi\",\"header\":\"yes\"},\"type\":\"application/json\","
                + "\"echo\":[201,\"POST application/json {\\\"a\\\":1}\"],\"refused\":\"not_allowed\",\"slow\":\"timeout\",\"big\":[300000,true]}"));
        assertThat(result.hostRequests()).hasSize(5);
        assertThat(result.durationMs()).isLessThan(2_500);
    }

    @Test
    void responsesReadTheWayCapsulesSdkAndRequestsUsersWriteThem() throws Exception {
        String code = """
                from capsule import task
                from capsule.http import get, put, delete, patch

                @task(name="main")
                def main(base):
                    r = get(base + "/hello")
                    missing = get(base + "/missing")
                    return {"status_code": r.status_code, "ok_called": r.ok(), "ok": r.ok, "truthy": bool(r.ok),
                            "missing": [missing.status_code, missing.ok(), bool(missing.ok), missing.ok == False],
                            "text_called": r.text() == r.text, "text_type": type(r.text()).__name__,
                            "json": r.json()["greeting"],
                            "verbs": [put(base + "/echo", json={"b": 2}).text(), patch(base + "/echo", body="x").text,
                                      delete(base + "/echo").status]}
                """;
        AttemptResult result = runGranted("sdk.py", code);

        assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
        assertThat(JSON.readTree(result.value())).isEqualTo(JSON.readTree("{\"status_code\":200,\"ok_called\":true,\"ok\":true,"
                + "\"truthy\":true,\"missing\":[404,false,false,true],\"text_called\":true,\"text_type\":\"str\",\"json\":\"hi\","
                + "\"verbs\":[\"PUT application/json {\\\"b\\\":2}\",\"PATCH null x\",201]}"));
    }

    @Test
    void childTaskCallsGoToTheEngineWithTheirArguments() throws Exception {
        String code = """
                import capsule
                from capsule import task

                @task(name="main")
                def main():
                    direct = double(21, scale=3)
                    by_name = capsule.call("double", 5)
                    handles = [double.spawn(i, scale=i) for i in range(3)]
                    gathered = capsule.gather(*handles)
                    first = handles[0].result()
                    try:
                        capsule.call("nope")
                        unknown = None
                    except capsule.TaskCallError as e:
                        unknown = [e.type, str(e)]
                    try:
                        double(object())
                        not_json = None
                    except TypeError as e:
                        not_json = str(e)
                    return {"direct": direct, "by_name": by_name, "gathered": gathered, "first": first, "unknown": unknown,
                            "not_json": not_json, "args": capsule.args()}

                @task(ram="32MB")
                def double(x, scale=2):
                    return x * scale
                """;
        AttemptResult result = guest.run(guest.attempt(guest.source("parent.py", code), "parent.py", Program.RUN)
                .task("main", "{\"args\":[],\"kwargs\":{}}"));

        assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
        List<String> sent = engine.requests.stream().map(JsonNode::toString).toList();
        assertThat(sent).containsExactly(
                "{\"op\":\"task.call\",\"task\":\"double\",\"args\":[21],\"kwargs\":{\"scale\":3}}",
                "{\"op\":\"task.call\",\"task\":\"double\",\"args\":[5],\"kwargs\":{}}",
                "{\"op\":\"task.start\",\"task\":\"double\",\"args\":[0],\"kwargs\":{\"scale\":0}}",
                "{\"op\":\"task.start\",\"task\":\"double\",\"args\":[1],\"kwargs\":{\"scale\":1}}",
                "{\"op\":\"task.start\",\"task\":\"double\",\"args\":[2],\"kwargs\":{\"scale\":2}}",
                "{\"op\":\"task.wait\",\"ids\":[\"child-1\",\"child-2\",\"child-3\"],\"any\":false}",
                "{\"op\":\"task.call\",\"task\":\"nope\",\"args\":[],\"kwargs\":{}}");
        JsonNode value = JSON.readTree(result.value());
        assertThat(value.get("direct")).isEqualTo(JSON.readTree(RecordingEngine.envelope("double", "[21]", "{\"scale\":3}")));
        assertThat(value.get("by_name").path("result").path("args").toString()).isEqualTo("[5]");
        assertThat(value.get("gathered")).hasSize(3);
        assertThat(value.get("gathered").get(2).path("result").path("id").asText()).isEqualTo("child-3");
        assertThat(value.get("first")).isEqualTo(value.get("gathered").get(0));
        assertThat(value.get("unknown").toString()).isEqualTo("[\"unknown_task\",\"no task named \\\"nope\\\"\"]");
        assertThat(value.get("args").toString()).isEqualTo("[]");
        assertThat(value.get("not_json").asText()).isEqualTo("the arguments of task double are not JSON-serialisable: "
                + "Object of type object is not JSON serializable");
    }

    /** Stands in for the engine: records every forwarded request and answers with canned envelopes. */
    static final class RecordingEngine implements EngineLink {
        final List<JsonNode> requests = new CopyOnWriteArrayList<>();
        private final AtomicInteger ids = new AtomicInteger();
        private final java.util.Map<String, JsonNode> started = new java.util.concurrent.ConcurrentHashMap<>();

        static String envelope(String task, String args, String kwargs) {
            return "{\"success\":true,\"result\":{\"task\":\"" + task + "\",\"args\":" + args + ",\"kwargs\":" + kwargs
                    + "},\"error\":null,\"execution\":{\"attempts\":1}}";
        }

        @Override
        public ObjectNode call(String attemptId, EngineOp engineOp, long deadlineNanos) throws HostCallException {
            JsonNode request = new ObjectMapper().valueToTree(engineOp);
            requests.add(request);
            try {
                ObjectNode reply = JSON.createObjectNode();
                switch (request.path("op").asText()) {
                    case "task.call" -> {
                        if (request.path("task").asText().equals("nope")) {
                            throw new HostCallException(ErrorType.UNKNOWN_TASK, "no task named \"nope\"");
                        }
                        reply.set("envelope", JSON.readTree(envelope(request.path("task").asText(),
                                request.path("args").toString(), request.path("kwargs").toString())));
                    }
                    case "task.start" -> {
                        String id = "child-" + ids.incrementAndGet();
                        started.put(id, request);
                        reply.put("id", id);
                    }
                    case "task.wait" -> {
                        ObjectNode results = reply.putObject("results");
                        for (JsonNode id : request.path("ids")) {
                            ObjectNode envelope = (ObjectNode) JSON.readTree(envelope("double",
                                    started.get(id.asText()).path("args").toString(), started.get(id.asText()).path("kwargs").toString()));
                            ((ObjectNode) envelope.get("result")).put("id", id.asText());
                            results.set(id.asText(), envelope);
                        }
                    }
                    default -> throw new HostCallException(ErrorType.UNKNOWN_OP, request.path("op").asText());
                }
                return reply;
            } catch (java.io.IOException e) {
                throw new HostCallException(ErrorType.INTERNAL_ERROR, e.getMessage());
            }
        }
    }
}
