package run.capsule.runner.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import run.capsule.protocol.HostRequest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** The http host call against a loopback server only; refusals happen before any connection. */
class HttpGatewayTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static HttpServer server;
    static ExecutorService serverThreads;
    static HttpClient client;
    static int port;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        serverThreads = Executors.newFixedThreadPool(2);
        server.setExecutor(serverThreads);
        server.createContext("/hello", exchange -> {
            byte[] in = exchange.getRequestBody().readAllBytes();
            String auth = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] out = (exchange.getRequestMethod() + " " + new String(in, StandardCharsets.UTF_8) + " auth=" + auth).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Set-Cookie", "session=abc");
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.createContext("/slow", exchange -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.createContext("/to-hello", exchange -> redirect(exchange, "/hello"));
        server.createContext("/to-localhost", exchange -> redirect(exchange, "http://localhost:" + port + "/hello"));
        server.createContext("/loop", exchange -> redirect(exchange, "/loop"));
        server.createContext("/big", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] block = new byte[64 * 1024];
            java.util.Arrays.fill(block, (byte) 'b');
            try {
                for (int i = 0; i < 80; i++) {
                    exchange.getResponseBody().write(block);
                }
            } catch (IOException ignored) {
                // the client stopped reading at its cap
            }
            exchange.close();
        });
        server.start();
        port = server.getAddress().getPort();
        client = HttpGateway.newClient();
    }

    static void redirect(com.sun.net.httpserver.HttpExchange exchange, String location) throws IOException {
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().add("Location", location);
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        serverThreads.shutdownNow();
    }

    /** Resolves only the names a test maps; anything else would have needed real DNS. */
    static HttpGateway.Resolver resolver(Map<String, String> names) {
        return host -> {
            String address = names.get(host);
            if (address != null) {
                return new InetAddress[] {InetAddress.getByName(address)};
            }
            if (host.matches("[0-9.]+") || host.contains(":")) {
                return new InetAddress[] {InetAddress.getByName(host)};
            }
            throw new UnknownHostException(host);
        };
    }

    record Call(JsonNode reply, List<HostRequest> log) {
    }

    static Call call(List<String> grants, Map<String, String> names, long deadlineNanos, String request) throws IOException {
        HostRequestLog log = new HostRequestLog();
        HostCallDispatcher dispatcher = new HostCallDispatcher(Map.of("http",
                new HttpGateway(client, resolver(names), new HostGrants(grants), deadlineNanos, log)));
        JsonNode reply = JSON.readTree(dispatcher.dispatch(request.getBytes(StandardCharsets.UTF_8)));
        return new Call(reply, log.requests());
    }

    static Call call(List<String> grants, String request) throws IOException {
        return call(grants, Map.of(), System.nanoTime() + 30_000_000_000L, request);
    }

    String local(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    @Test
    void aGrantedLoopbackGetWorksAndIsLoggedWithSecretsRedacted() throws Exception {
        Call call = call(List.of("127.0.0.1:" + port), "{\"op\":\"http\",\"url\":\"" + local("/hello?api_key=k1&q=2")
                + "\",\"headers\":{\"Authorization\":\"Bearer s3cret\",\"X-Api-Token\":\"t\",\"Accept\":\"text/plain\"}}");

        assertThat(call.reply().path("status").asInt()).as(call.reply().toString()).isEqualTo(200);
        assertThat(call.reply().path("body").asText()).isEqualTo("GET  auth=Bearer s3cret");
        assertThat(call.reply().path("headers").path("set-cookie").asText()).isEqualTo("session=abc");
        assertThat(call.reply().path("truncated").asBoolean()).isFalse();
        assertThat(call.log()).singleElement().satisfies(r -> {
            assertThat(r.seq()).isEqualTo(1);
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.url()).isEqualTo(local("/hello?api_key=[redacted]&q=2"));
            assertThat(r.headers()).containsEntry("Authorization", "[redacted]").containsEntry("X-Api-Token", "[redacted]")
                    .containsEntry("Accept", "text/plain");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bytesReceived()).isEqualTo("GET  auth=Bearer s3cret".length());
            assertThat(r.error()).isNull();
        });
        assertThat(call.log().toString()).doesNotContain("s3cret").doesNotContain("k1");
    }

    @Test
    void aPostSendsItsBody() throws Exception {
        Call call = call(List.of("127.0.0.1:" + port), "{\"op\":\"http\",\"method\":\"POST\",\"url\":\"" + local("/hello") + "\",\"body\":\"payload\"}");
        assertThat(call.reply().path("body").asText()).isEqualTo("POST payload auth=null");
        assertThat(call.log()).singleElement().satisfies(r -> assertThat(r.bytesSent()).isEqualTo(7));
    }

    @Test
    void aHostNotGrantedIsRefusedAndLogged() throws Exception {
        Call none = call(List.of(), "{\"op\":\"http\",\"url\":\"" + local("/hello") + "\"}");
        Call otherPort = call(List.of("127.0.0.1:1"), "{\"op\":\"http\",\"url\":\"" + local("/hello") + "\"}");

        assertThat(none.reply().path("error").path("type").asText()).isEqualTo("not_allowed");
        assertThat(none.reply().path("error").path("message").asText()).isEqualTo("host 127.0.0.1:" + port + " is not granted (grant it with --allow-host)");
        assertThat(none.log()).singleElement().satisfies(r -> {
            assertThat(r.status()).isNull();
            assertThat(r.error()).contains("not granted");
        });
        assertThat(otherPort.reply().path("error").path("type").asText()).isEqualTo("not_allowed");
    }

    @Test
    void redirectsAreFollowedOnlyToGrantedHosts() throws Exception {
        Call followed = call(List.of("127.0.0.1:" + port), "{\"op\":\"http\",\"url\":\"" + local("/to-hello") + "\",\"headers\":{\"Authorization\":\"x\"}}");
        Call refused = call(List.of("127.0.0.1:" + port), "{\"op\":\"http\",\"url\":\"" + local("/to-localhost") + "\"}");
        Call looping = call(List.of("127.0.0.1:" + port), "{\"op\":\"http\",\"url\":\"" + local("/loop") + "\"}");

        assertThat(followed.reply().path("status").asInt()).isEqualTo(200);
        assertThat(followed.reply().path("url").asText()).isEqualTo(local("/hello"));
        assertThat(followed.reply().path("body").asText()).isEqualTo("GET  auth=x");
        assertThat(followed.log()).extracting(HostRequest::status).containsExactly(302, 200);
        assertThat(refused.reply().path("error").path("type").asText()).isEqualTo("not_allowed");
        assertThat(refused.log()).extracting(HostRequest::url).containsExactly(local("/to-localhost"), "http://localhost:" + port + "/hello");
        assertThat(refused.log().get(1).status()).isNull();
        assertThat(looping.reply().path("error").path("type").asText()).isEqualTo("too_many_redirects");
        assertThat(looping.log()).hasSize(HttpGateway.MAX_REDIRECTS + 1);
    }

    @Test
    void nonPublicAddressesNeedAGrantNamingTheHostExactly() throws Exception {
        Call metadata = call(List.of("*"), "{\"op\":\"http\",\"url\":\"http://169.254.169.254/latest/meta-data/\"}");
        Call localhost = call(List.of("example.com"), "{\"op\":\"http\",\"url\":\"http://localhost:" + port + "/hello\"}");
        Call localhostWildcard = call(List.of("*"), Map.of("localhost", "127.0.0.1"), System.nanoTime() + 30_000_000_000L,
                "{\"op\":\"http\",\"url\":\"http://localhost:" + port + "/hello\"}");
        Call rebound = call(List.of("*.example.com"), Map.of("api.example.com", "10.1.2.3"), System.nanoTime() + 30_000_000_000L,
                "{\"op\":\"http\",\"url\":\"https://api.example.com/\"}");

        assertThat(metadata.reply().path("error").path("type").asText()).isEqualTo("address_refused");
        assertThat(metadata.reply().path("error").path("message").asText()).contains("cloud metadata");
        assertThat(localhost.reply().path("error").path("type").asText()).isEqualTo("not_allowed");
        assertThat(localhostWildcard.reply().path("error").path("type").asText()).isEqualTo("address_refused");
        assertThat(localhostWildcard.reply().path("error").path("message").asText()).contains("loopback");
        assertThat(rebound.reply().path("error").path("message").asText()).contains("private address (10.1.2.3)");
    }

    @Test
    void bodiesAndTimeAreCapped() throws Exception {
        Call big = call(List.of("127.0.0.1:" + port), "{\"op\":\"http\",\"url\":\"" + local("/big") + "\"}");
        Call tooLarge = call(List.of("127.0.0.1:" + port), "{\"op\":\"http\",\"method\":\"POST\",\"url\":\"" + local("/hello")
                + "\",\"body\":\"" + "p".repeat(HttpGateway.MAX_REQUEST_BODY + 1) + "\"}");
        Call late = call(List.of("127.0.0.1:" + port), Map.of(), System.nanoTime() - 1, "{\"op\":\"http\",\"url\":\"" + local("/hello") + "\"}");

        assertThat(big.reply().path("truncated").asBoolean()).isTrue();
        assertThat(big.reply().path("body").asText()).hasSize(HttpGateway.MAX_RESPONSE_BODY);
        assertThat(big.log()).singleElement().satisfies(r -> assertThat(r.error()).isEqualTo("response body truncated"));
        assertThat(tooLarge.reply().path("error").path("type").asText()).isEqualTo("too_large");
        assertThat(late.reply().path("error").path("type").asText()).isEqualTo("timeout");
    }

    @Test
    void aSlowServerIsCutOffAtTheAttemptsDeadline() throws Exception {
        long started = System.nanoTime();
        Call slow = call(List.of("127.0.0.1:" + port), Map.of(), System.nanoTime() + 300_000_000L,
                "{\"op\":\"http\",\"url\":\"" + local("/slow") + "\"}");
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(slow.reply().path("error").path("type").asText()).isEqualTo("timeout");
        assertThat(elapsedMs).isBetween(250L, 2_000L);
        assertThat(slow.log()).singleElement().satisfies(r -> {
            assertThat(r.status()).isNull();
            assertThat(r.error()).startsWith("no complete response within");
        });
    }

    @Test
    void malformedRequestsAreBadRequests() throws Exception {
        assertThat(call(List.of("*"), "{\"op\":\"http\"}").reply().path("error").path("type").asText()).isEqualTo("bad_request");
        assertThat(call(List.of("*"), "{\"op\":\"http\",\"url\":\"file:///etc/passwd\"}").reply().path("error").path("message").asText())
                .isEqualTo("only http and https URLs are supported: file:///etc/passwd");
        assertThat(call(List.of("*"), "{\"op\":\"http\",\"url\":\"http://x/\",\"headers\":[1]}").reply().path("error").path("type").asText())
                .isEqualTo("bad_request");
    }
}
