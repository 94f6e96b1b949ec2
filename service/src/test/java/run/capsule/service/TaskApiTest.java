package run.capsule.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.engine.TestModules;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The task routes over real HTTP against a real serve: real runners, real CPython and QuickJS, an H2 file. */
class TaskApiTest {
    @RegisterExtension
    static final ServiceNode node = ServiceNode.withRunners(3);

    static final String HELLO_PY = """
            from capsule import task
            from helpers.greet import greeting

            @task(name="main", compute="LOW", ram="64MB", timeout="10s")
            def main(who="world", punct="!"):
                print("greeting " + who)
                return {"greeting": greeting(who) + punct}
            """;

    @Test
    void aPythonSourceWithALocalModuleIsQueuedAtOnceAndItsResultLongPolled() throws Exception {
        ObjectNode body = Api.python(HELLO_PY).put("file", "hello.py");
        body.putObject("modules").put("helpers/greet.py", "def greeting(who):\n    return 'Hello, ' + who\n").put("helpers/__init__.py", "");
        body.putArray("args").add("Ada");
        body.putObject("kwargs").put("punct", "?");
        body.putObject("labels").put("team", "search");

        Api.Reply submitted = node.api().post("/api/v1/tasks", body);
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(201);
        String id = submitted.json().path("id").asText();
        JsonNode envelope = node.api().result(id);

        assertThat(envelope.path("success").asBoolean()).as(envelope.toString()).isTrue();
        assertThat(envelope.path("result").path("greeting").asText()).isEqualTo("Hello, Ada?");
        assertThat(envelope.path("execution").path("task_id").asText()).isEqualTo(id);
        JsonNode detail = node.api().get("/api/v1/tasks/" + id).json();
        assertThat(detail.path("language").asText()).isEqualTo("python");
        assertThat(detail.path("labels").path("team").asText()).isEqualTo("search");
        assertThat(detail.path("root_id").asText()).isEqualTo(id);
        assertThat(detail.path("input").path("kwargs").path("punct").asText()).isEqualTo("?");
        assertThat(detail.path("attempts")).hasSize(1);
        assertThat(detail.path("attempts").get(0).path("fuel_consumed").asLong()).isPositive();
        assertThat(detail.path("limits_usage").path("fuel").path("limit").asLong()).isEqualTo(100_000_000L);
        assertThat(detail.path("limits_usage").path("fuel").path("used").asLong()).isPositive();
        assertThat(detail.path("limits_usage").path("ram_bytes").path("limit").asLong()).isEqualTo(64L * 1024 * 1024);
        assertThat(detail.path("events").findValuesAsText("to")).containsExactly("PENDING", "RUNNING", "SUCCEEDED");
        assertThat(detail.path("config").toString()).contains("\"files\":[\"helpers/__init__.py\",\"helpers/greet.py\"]");
        JsonNode output = node.api().get("/api/v1/tasks/" + id + "/output").json();
        assertThat(output.path("attempts").get(0).path("stdout").asText()).contains("greeting Ada");
    }

    @Test
    void aJavaScriptSourceRuns() throws Exception {
        ObjectNode body = Api.JSON.createObjectNode().put("source", Files.readString(TestModules.sample("javascript/hello.js"))).put("file", "hello.js");
        body.putArray("args").add("Grace");

        JsonNode envelope = node.api().result(node.api().submit(body));

        assertThat(envelope.path("success").asBoolean()).as(envelope.toString()).isTrue();
        assertThat(envelope.path("result").path("greeting").asText()).isEqualTo("Hello, Grace!");
    }

    @Test
    void aTypeScriptSourceRunsWithItsTypesStripped() throws Exception {
        ObjectNode body = Api.JSON.createObjectNode().put("file", "greet.ts").put("source", """
                import { task } from "capsule";

                interface Greeting { text: string; length: number }

                export const main = task({ name: "main" }, (who: string): Greeting => {
                  const text = `Hello, ${who as string}!`;
                  return { text, length: text.length };
                });
                """);
        body.putArray("args").add("Ada");

        JsonNode envelope = node.api().result(node.api().submit(body));

        assertThat(envelope.path("success").asBoolean()).as(envelope.toString()).isTrue();
        assertThat(envelope.path("result").path("text").asText()).isEqualTo("Hello, Ada!");
    }

    @Test
    void aWebAssemblyModuleRunsFromBase64AndItsOutputIsJournaled() throws Exception {
        ObjectNode body = Api.JSON.createObjectNode().put("wasm_base64",
                Base64.getEncoder().encodeToString(Files.readAllBytes(TestModules.sample("hello/hello.wasm"))));
        body.putArray("args").add("Linus");

        String id = node.api().submit(body);
        JsonNode envelope = node.api().result(id);

        assertThat(envelope.path("success").asBoolean()).as(envelope.toString()).isTrue();
        assertThat(envelope.path("result").asText()).isEqualTo("Hello, Linus!");
        JsonNode output = node.api().get("/api/v1/tasks/" + id + "/output").json().path("attempts").get(0);
        assertThat(output.path("stdout").asText()).isEqualTo("Hello, Linus!\n");
        assertThat(output.path("stderr").asText()).contains("hello: greeting Linus");
        assertThat(node.api().get("/api/v1/tasks/" + id).json().path("language").asText()).isEqualTo("wasm");
    }

    @Test
    void listsFilterByLabelLanguageAndStatusAndPageWithACursorNewestFirst() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ObjectNode body = Api.JSON.createObjectNode().put("wasm_base64",
                    Base64.getEncoder().encodeToString(Files.readAllBytes(TestModules.sample("wat/answer.wasm")))).put("name", "answer-" + i);
            body.putObject("labels").put("batch", "paging").put("n", Integer.toString(i));
            ids.add(node.api().submit(body));
        }
        for (String id : ids) {
            node.api().result(id);
        }

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = node.api().get("/api/v1/tasks?label=batch%3Dpaging&limit=2" + (cursor == null ? "" : "&cursor=" + cursor)).json();
            page.path("tasks").forEach(t -> seen.add(t.path("id").asText()));
            cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 10);

        List<String> newestFirst = new ArrayList<>(ids);
        java.util.Collections.reverse(newestFirst);
        assertThat(seen).containsExactlyElementsOf(newestFirst);
        assertThat(pages).isEqualTo(3);
        JsonNode one = node.api().get("/api/v1/tasks?label=batch%3Dpaging&label=n%3D3&language=wasm&status=SUCCEEDED").json();
        assertThat(one.path("tasks")).hasSize(1);
        assertThat(one.path("tasks").get(0).path("id").asText()).isEqualTo(ids.get(3));
        assertThat(node.api().get("/api/v1/tasks?label=batch%3Dpaging&language=python").json().path("tasks")).isEmpty();
        assertThat(node.api().get("/api/v1/tasks?label=batch%3Dpaging&status=FAILED").json().path("tasks")).isEmpty();
        assertThat(node.api().get("/api/v1/tasks?q=" + ids.get(2).substring(0, 13)).json().path("tasks").findValuesAsText("id")).contains(ids.get(2));
        assertThat(node.api().get("/api/v1/tasks?name=answer-4&roots_only=true").json().path("tasks").findValuesAsText("id")).containsExactly(ids.get(4));
    }

    @Test
    void cancellingAJobCancelsItsWholeTree() throws Exception {
        String source = """
                import capsule
                from capsule import task

                @task(name="nap", compute="LOW", ram="32MB", timeout="60s")
                def nap(i):
                    capsule.sleep(20)
                    return i

                @task(name="main", compute="LOW", ram="64MB", timeout="60s")
                def main():
                    return capsule.gather(*[nap.spawn(i) for i in range(2)])
                """;
        String id = node.api().submit(Api.python(source));
        await().atMost(Duration.ofSeconds(30)).until(() -> node.api().get("/api/v1/tasks?parent=" + id).json().path("tasks").size() == 2);

        Api.Reply cancelled = node.api().post("/api/v1/tasks/" + id + "/cancel", null);

        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(200);
        assertThat(cancelled.json().path("children")).hasSize(2);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode detail = node.api().get("/api/v1/tasks/" + id).json();
            assertThat(detail.path("status").asText()).isEqualTo("CANCELLED");
            assertThat(detail.path("children").findValuesAsText("status")).containsOnly("CANCELLED");
        });
        JsonNode child = node.api().get("/api/v1/tasks/" + node.api().get("/api/v1/tasks?parent=" + id).json().path("tasks").get(0).path("id").asText()).json();
        assertThat(child.path("root_id").asText()).isEqualTo(id);
    }

    @Test
    void aRerunIsANewTaskWithTheSameProgramNewArgsAndALinkToTheOriginal() throws Exception {
        ObjectNode body = Api.python(Files.readString(TestModules.sample("python/hello.py")));
        body.putArray("args").add("first");
        String original = node.api().submit(body);
        node.api().result(original);

        ObjectNode rerun = Api.JSON.createObjectNode();
        rerun.putArray("args").add("second");
        Api.Reply reply = node.api().post("/api/v1/tasks/" + original + "/rerun", rerun);

        assertThat(reply.status()).as(reply.text()).isEqualTo(201);
        String id = reply.json().path("id").asText();
        assertThat(id).isNotEqualTo(original);
        assertThat(node.api().result(id).path("result").path("greeting").asText()).isEqualTo("Hello, second!");
        JsonNode detail = node.api().get("/api/v1/tasks/" + id).json();
        assertThat(detail.path("rerun_of").asText()).isEqualTo(original);
        assertThat(detail.path("events").get(0).path("reason").asText()).isEqualTo("submitted, rerun of " + original);
        Api.Reply same = node.api().post("/api/v1/tasks/" + original + "/rerun", null);
        assertThat(node.api().result(same.json().path("id").asText()).path("result").path("greeting").asText()).isEqualTo("Hello, first!");
    }

    @Test
    void aLongPollAnswers202WithTheStatusWhenTheWaitExpires() throws Exception {
        ObjectNode body = Api.python(Files.readString(TestModules.sample("python/hello.py"))).put("delay", "1h");
        String id = node.api().submit(body);

        Api.Reply reply = node.api().get("/api/v1/tasks/" + id + "/result?wait=300ms");

        assertThat(reply.status()).isEqualTo(202);
        assertThat(reply.json().path("status").asText()).isEqualTo("PENDING");
        assertThat(node.api().post("/api/v1/tasks/" + id + "/cancel", null).json().path("outcome").asText()).isEqualTo("CANCELLED");
    }

    @Test
    void anIdempotencyKeyUsedAgainAnswersTheFirstTaskAnd200() throws Exception {
        ObjectNode body = Api.JSON.createObjectNode().put("wasm_base64",
                Base64.getEncoder().encodeToString(Files.readAllBytes(TestModules.sample("wat/answer.wasm")))).put("idempotency_key", "once-only");

        Api.Reply first = node.api().post("/api/v1/tasks", body);
        Api.Reply again = node.api().post("/api/v1/tasks", body);

        assertThat(first.status()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("created").asBoolean()).isFalse();
        assertThat(again.json().path("id").asText()).isEqualTo(first.json().path("id").asText());
    }

    @Test
    void statsCountTasksAndShowThisNode() throws Exception {
        JsonNode stats = node.api().get("/api/v1/stats").json();

        assertThat(stats.path("counts").has("SUCCEEDED")).isTrue();
        assertThat(stats.path("counts").has("RETRYING")).isTrue();
        assertThat(stats.path("throughput")).hasSize(60);
        assertThat(stats.path("live_nodes").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(stats.path("nodes").findValuesAsText("id")).contains(node.service().capsule().options().nodeId());
    }

    @Test
    void healthReadinessAndMetricsAnswer() throws Exception {
        assertThat(node.api().get("/healthz").json().path("status").asText()).isEqualTo("ok");
        await().atMost(Duration.ofSeconds(30)).until(() -> node.api().get("/readyz").status() == 200);
        String id = node.api().submit(Api.JSON.createObjectNode().put("wasm_base64",
                Base64.getEncoder().encodeToString(Files.readAllBytes(TestModules.sample("wat/answer.wasm")))));
        node.api().result(id);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(node.api().get("/metrics").text())
                .contains("capsule_tasks_finished_total{outcome=\"succeeded\"}")
                .contains("capsule_attempt_duration_seconds_bucket")
                .contains("capsule_attempt_fuel_bucket")
                .contains("capsule_queue_depth")
                .contains("capsule_runner_restarts_total"));
    }

    @Test
    void schedulesAreCreatedPausedResumedAndDeleted() throws Exception {
        ObjectNode body = Api.JSON.createObjectNode().put("schedule_name", "nightly-answer").put("cron", "0 0 3 * * ?")
                .put("wasm_base64", Base64.getEncoder().encodeToString(Files.readAllBytes(TestModules.sample("wat/answer.wasm"))));

        Api.Reply created = node.api().post("/api/v1/schedules", body);

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.json().path("paused").asBoolean()).isFalse();
        assertThat(node.api().post("/api/v1/schedules/nightly-answer/pause", null).json().path("paused").asBoolean()).isTrue();
        assertThat(node.api().get("/api/v1/schedules").json().path("schedules").findValuesAsText("name")).contains("nightly-answer");
        assertThat(node.api().post("/api/v1/schedules/nightly-answer/resume", null).json().path("paused").asBoolean()).isFalse();
        assertThat(node.api().method("DELETE", "/api/v1/schedules/nightly-answer").status()).isEqualTo(204);
        assertThat(node.api().method("DELETE", "/api/v1/schedules/nightly-answer").status()).isEqualTo(404);
    }
}
