package run.capsule.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.engine.TestModules;
import run.capsule.service.config.GrantBounds;

import java.nio.file.Files;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input is a one-line JSON error naming the field (400), unknown ids 404, wrong methods 405, bodies over the cap
 * 413, grants beyond the operator's bounds 403; none of them journals anything.
 */
class BadRequestTest {
    static final long MAX_BODY = 256 * 1024;

    @RegisterExtension
    static final ServiceNode node = ServiceNode.withRunners(1, s -> s.withMaxBody(MAX_BODY).withBounds(new GrantBounds(List.of(), Set.of(),
            List.of(run.capsule.engine.spec.HostPattern.parse("*.example.com")), run.capsule.engine.spec.Compute.MEDIUM, 512L * 1024 * 1024,
            java.time.Duration.ofMinutes(5), 3, 32, 1000, 1L << 30)));

    private int taskCount() throws Exception {
        return node.service().capsule().stats().counts().values().stream().mapToInt(Integer::intValue).sum();
    }

    private void assertRefused(Object body, int status, String errorType, String messagePart) throws Exception {
        int before = taskCount();
        Api.Reply reply = node.api().post("/api/v1/tasks", body);
        assertThat(reply.status()).as(reply.text()).isEqualTo(status);
        assertThat(reply.json().path("error_type").asText()).isEqualTo(errorType);
        assertThat(reply.json().path("message").asText()).contains(messagePart).doesNotContain("\n").doesNotContain("Exception").doesNotContain("at run.");
        assertThat(taskCount()).as("tasks journaled by a refused request").isEqualTo(before);
    }

    private static ObjectNode hello() throws Exception {
        return Api.python(Files.readString(TestModules.sample("python/hello.py")));
    }

    @Test
    void malformedBodiesAndFieldsAre400NamingTheField() throws Exception {
        assertRefused("{not json", 400, "invalid_input", "not valid JSON");
        assertRefused("[1, 2]", 400, "invalid_input", "must be a JSON object");
        assertRefused(hello().put("colour", "red"), 400, "invalid_input", "unknown field 'colour'");
        assertRefused(hello().put("language", "cobol"), 400, "invalid_input", "language: unknown language 'cobol'");
        assertRefused(Api.JSON.createObjectNode(), 400, "invalid_input", "exactly one of 'source'");
        ObjectNode ram = hello();
        ram.putObject("limits").put("ram", "12 parsecs");
        assertRefused(ram, 400, "invalid_input", "limits.ram");
        ObjectNode unknownLimit = hello();
        unknownLimit.putObject("limits").put("cpu", 2);
        assertRefused(unknownLimit, 400, "invalid_input", "unknown field 'limits.cpu'");
        assertRefused(hello().put("wasm_base64", "AGFzbQ=="), 400, "invalid_input", "exactly one of");
        assertRefused(Api.JSON.createObjectNode().put("wasm_base64", "%%%"), 400, "invalid_input", "wasm_base64: not valid base64");
        assertRefused(Api.JSON.createObjectNode().put("wasm_base64", "AGFzbQEAAAAF"), 400, "invalid_input", "module.wasm");
        ObjectNode escape = hello();
        escape.putObject("modules").put("../evil.py", "x = 1");
        assertRefused(escape, 400, "invalid_input", "modules.../evil.py");
        assertRefused(hello().put("run_at", "tomorrow"), 400, "invalid_input", "run_at");
    }

    @Test
    void aSourceWithTasksButNoMainIs400AndASyntaxErrorIsTheSnippetsTaskError() throws Exception {
        // since issue #18's snippet rule (merged from compat), a source that does not parse declares no task: it is a
        // snippet, journaled, and its syntax error is the task's (task_error), not a refused request
        String id = node.api().submit(Api.python("def main(:\n    pass\n"));
        assertThat(node.api().result(id).path("error").path("error_type").asText()).isEqualTo("task_error");
        assertRefused(Api.python("from capsule import task\n\n@task(name='other')\ndef other():\n    return 1\n"), 400, "invalid_input",
                "declares no task named \"main\"");
    }

    @Test
    void grantsAndLimitsBeyondTheOperatorsBoundsAre403WithTheReason() throws Exception {
        ObjectNode mount = hello();
        mount.putObject("grants").putArray("mounts").add(node.dir().toString() + ":ro");
        assertRefused(mount, 403, "forbidden", "grants.mounts");
        ObjectNode env = hello();
        env.putObject("grants").putArray("env").add("SERVER_SECRET");
        assertRefused(env, 403, "forbidden", "grants.env: SERVER_SECRET");
        ObjectNode host = hello();
        host.putObject("grants").putArray("hosts").add("*");
        assertRefused(host, 403, "forbidden", "grants.hosts: *");
        ObjectNode ram = hello();
        ram.putObject("limits").put("ram", "1GB");
        assertRefused(ram, 403, "forbidden", "limits.ram");
        ObjectNode compute = hello();
        compute.putObject("limits").put("compute", "HIGH");
        assertRefused(compute, 403, "forbidden", "limits.compute");
        ObjectNode retries = hello();
        retries.putObject("limits").put("max_retries", 4);
        assertRefused(retries, 403, "forbidden", "limits.max_retries");

        ObjectNode allowed = hello();
        allowed.putObject("grants").putArray("hosts").add("api.example.com");
        assertThat(node.api().post("/api/v1/tasks", allowed).status()).isEqualTo(201);
    }

    @Test
    void aSourceDeclaringMoreThanTheRequestGrantsIsRefused() throws Exception {
        String source = """
                from capsule import task

                @task(name="main", allowed_hosts=["api.example.com"])
                def main():
                    return 1
                """;
        assertRefused(Api.python(source), 400, "invalid_input", "api.example.com");
    }

    @Test
    void aBodyOverTheCapIs413() throws Exception {
        ObjectNode big = hello().put("name", "x".repeat((int) MAX_BODY));
        assertRefused(big, 413, "too_large", "larger than " + MAX_BODY);
    }

    @Test
    void aForeignHostIsRefusedByATokenlessServerAgainstDnsRebinding() throws Exception {
        java.net.URI base = java.net.URI.create(node.service().url());
        assertThat(SecurityTest.rawStatus(base, "rebind.example:" + base.getPort(), null)).isEqualTo(403);
        assertThat(SecurityTest.rawStatus(base, "localhost:" + base.getPort(), null)).isEqualTo(200);
    }

    @Test
    void aRequestJettyRefusesItselfIsStillAJsonError() throws Exception {
        java.net.URI base = java.net.URI.create(node.service().url());
        String response = SecurityTest.raw(base, "/api/v1/tasks/..%2F..%2Fetc", "localhost:" + base.getPort(), null);

        assertThat(response.lines().findFirst().orElse("")).contains(" 400 ");
        assertThat(response).contains("Content-Type: application/json").contains("\"error_type\":\"invalid_input\"")
                .doesNotContain("<html").doesNotContain("at org.eclipse");
    }

    @Test
    void unknownIdsAre404AndWrongMethods405() throws Exception {
        for (String path : List.of("/api/v1/tasks/no-such-task", "/api/v1/tasks/no-such-task/result", "/api/v1/tasks/no-such-task/output",
                "/api/v1/nothing-here", "/no-such-file.html")) {
            Api.Reply reply = node.api().get(path);
            assertThat(reply.status()).as(path).isEqualTo(404);
            assertThat(reply.json().path("error_type").asText()).isEqualTo("not_found");
        }
        assertThat(node.api().post("/api/v1/tasks/no-such-task/cancel", null).status()).isEqualTo(404);
        assertThat(node.api().post("/api/v1/tasks/no-such-task/rerun", null).status()).isEqualTo(404);
        Api.Reply put = node.api().method("PUT", "/api/v1/tasks");
        assertThat(put.status()).isEqualTo(405);
        assertThat(put.header("Allow")).isEqualTo("GET, POST");
        assertThat(put.json().path("error_type").asText()).isEqualTo("method_not_allowed");
        assertThat(node.api().method("DELETE", "/api/v1/tasks/some-id").status()).isEqualTo(405);
        assertThat(node.api().get("/api/v1/tasks/some-id/cancel").status()).isEqualTo(405);
        assertThat(node.api().get("/api/v1/tasks?status=DONE").json().path("message").asText()).startsWith("status: unknown status 'DONE'");
        assertThat(node.api().get("/api/v1/tasks?limit=0").status()).isEqualTo(400);
        assertThat(node.api().get("/api/v1/tasks?cursor=garbage").json().path("message").asText()).startsWith("cursor:");
        assertThat(node.api().get("/api/v1/tasks?colour=red").json().path("message").asText()).contains("unknown query parameter 'colour'");
    }
}
