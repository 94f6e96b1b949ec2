package run.capsule.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.TestModules;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.service.config.ServeSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tokens (401 with WWW-Authenticate, the read-only role), Host and Origin checks, and the refusal of a public bind without tokens. */
class SecurityTest {
    static final String ADMIN = "admin-token-0123456789abcdef";
    static final String READER = "read-token-0123456789abcdef";

    @RegisterExtension
    static final ServiceNode node = ServiceNode.withRunners(1, s -> s.withTokenFile(tokenFile()).withAllowedHosts(Set.of("capsule.internal")));

    private static Path tokenFile() {
        try {
            Path file = Files.createTempFile("capsule-tokens", ".txt");
            Files.writeString(file, "# operators\n" + ADMIN + "\n" + READER + " read\n");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void withoutAValidTokenEveryApiRouteIs401WithABearerChallenge() throws Exception {
        for (Api api : new Api[] {node.api(), node.api("wrong-token-0123456789abcdef"), node.api(ADMIN + "x")}) {
            Api.Reply reply = api.get("/api/v1/tasks");
            assertThat(reply.status()).isEqualTo(401);
            assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer");
            assertThat(reply.json().path("error_type").asText()).isEqualTo("unauthorized");
        }
        assertThat(node.api().get("/metrics").status()).isEqualTo(401);
        assertThat(node.api().post("/api/v1/tasks", "{}").status()).isEqualTo(401);
        assertThat(node.api().get("/healthz").status()).isEqualTo(200);
        assertThat(node.api().get("/api/v1/openapi.yaml").status()).isEqualTo(200);
    }

    @Test
    void aReadOnlyTokenListsAndReadsButCannotSubmitCancelOrRerun() throws Exception {
        Api admin = node.api(ADMIN);
        Api reader = node.api(READER);
        String id = admin.submit(Api.python(Files.readString(TestModules.sample("python/hello.py"))));

        assertThat(reader.get("/api/v1/tasks").status()).isEqualTo(200);
        assertThat(reader.get("/api/v1/tasks/" + id).status()).isEqualTo(200);
        assertThat(reader.get("/api/v1/session").json().path("role").asText()).isEqualTo("read");
        assertThat(admin.get("/api/v1/session").json().path("role").asText()).isEqualTo("admin");
        for (String path : new String[] {"/api/v1/tasks", "/api/v1/tasks/" + id + "/cancel", "/api/v1/tasks/" + id + "/rerun", "/api/v1/schedules"}) {
            Api.Reply reply = reader.post(path, Api.python("x = 1"));
            assertThat(reply.status()).as(path).isEqualTo(403);
            assertThat(reply.json().path("message").asText()).contains("read-only");
        }
        assertThat(admin.result(id).path("success").asBoolean()).isTrue();
    }

    @Test
    void aForeignHostOrOriginIsRefused() throws Exception {
        URI base = URI.create(node.service().url());
        assertThat(rawStatus(base, "evil.example", null)).isEqualTo(403);
        assertThat(rawStatus(base, "localhost:" + base.getPort(), "http://evil.example")).isEqualTo(403);
        assertThat(rawStatus(base, "localhost:" + base.getPort(), "http://localhost:" + base.getPort())).isEqualTo(200);
        assertThat(rawStatus(base, "127.0.0.1:" + base.getPort(), null)).isEqualTo(200);
        assertThat(rawStatus(base, "capsule.internal", null)).isEqualTo(200);
    }

    @Test
    void listeningBeyondLoopbackWithoutATokenFileIsRefused() {
        assertThatThrownBy(() -> CapsuleService.start(CapsuleOptions.builder().embeddedJournal(node.dir().resolve("unused")).runners(1).build(),
                WorkerOptions.DEFAULT, ServeSettings.loopback(0, 1).withBind("0.0.0.0"), node.dir(), Map.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("refusing to listen on 0.0.0.0 without --token-file");
        assertThat(Files.exists(node.dir().resolve("unused").resolve("journal.mv.db"))).as("no journal opened").isFalse();
    }

    /** One GET of /api/v1/session over a raw socket, with a Host (and Origin) java.net.http would not let us set. */
    static int rawStatus(URI base, String host, String origin) throws IOException {
        String response = raw(base, "/api/v1/session", host, origin);
        return Integer.parseInt(response.lines().findFirst().orElse("").split(" ")[1]);
    }

    /** One GET over a raw socket; the whole response, head and body. */
    static String raw(URI base, String target, String host, String origin) throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            String request = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + READER + "\r\n"
                    + (origin == null ? "" : "Origin: " + origin + "\r\n") + "Connection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
