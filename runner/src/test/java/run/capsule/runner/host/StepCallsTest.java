package run.capsule.runner.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import run.capsule.protocol.Durability;
import run.capsule.protocol.RunAttempt;
import run.capsule.protocol.StepRecord;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The step ops through a real dispatcher, with an engine double that can refuse; no guest, no network. */
class StepCallsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final List<JsonNode> sent = new CopyOnWriteArrayList<>();
    boolean refuse;

    final EngineLink engine = (attemptId, engineOp, deadlineNanos) -> {
        JsonNode request = new ObjectMapper().valueToTree(engineOp);
        sent.add(request.deepCopy());
        ObjectNode reply = JSON.createObjectNode();
        if (refuse) {
            reply.putObject("error").put("type", "unknown_task").put("message", "no task named nope");
            return reply;
        }
        return reply.put("id", "c1");
    };

    GuestReport report(Durability durability) {
        GuestReport report = new GuestReport(durability);
        report.begin();
        return report;
    }

    HostCallDispatcher dispatcher(GuestReport report) {
        RunAttempt request = new RunAttempt("a1", "sha", "/m.wasm", "m", List.of(), Map.of(), List.of(), 10_000, 1000, false, 0, 0,
                List.of("api.example.com"));
        return HostCalls.withHttp(HttpGateway.newClient(), host -> {
            throw new java.net.UnknownHostException(host);
        }, engine).dispatcherFor(request, System.nanoTime() + 10_000_000_000L, new HostRequestLog(), report);
    }

    JsonNode call(HostCallDispatcher dispatcher, String json) throws Exception {
        return JSON.readTree(new String(dispatcher.dispatch(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
    }

    @Test
    void guestsCannotWriteTheJournalNorForgeAChildStep() throws Exception {
        GuestReport report = report(new Durability(List.of(), false, 0));
        HostCallDispatcher dispatcher = dispatcher(report);

        assertThat(call(dispatcher, "{\"op\":\"step.record\",\"steps\":[]}").path("error").path("type").asText()).isEqualTo("unknown_op");
        call(dispatcher, "{\"op\":\"task.start\",\"task\":\"t\",\"args\":[],\"kwargs\":{},\"step\":{\"stepNo\":9,\"pending\":[]}}");
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).has("step")).isFalse();
    }

    @Test
    void aRefusedHttpRequestIsAStepWhoseOutcomeIsTheError() throws Exception {
        GuestReport report = report(new Durability(List.of(), true, 0));
        JsonNode reply = call(dispatcher(report), "{\"op\":\"http\",\"url\":\"https://elsewhere.example.org/\"}");

        assertThat(reply.path("error").path("type").asText()).isEqualTo("not_allowed");
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).path("op").asText()).isEqualTo("step.record");
        StepRecord step = JSON.treeToValue(sent.get(0).path("steps").get(0), StepRecord.class);
        assertThat(step.target()).isEqualTo("GET https://elsewhere.example.org/");
        assertThat(JSON.readTree(step.outcome())).isEqualTo(reply);

        GuestReport again = report(new Durability(List.of(step), true, 0));
        sent.clear();
        assertThat(call(dispatcher(again), "{\"op\":\"http\",\"url\":\"https://elsewhere.example.org/\"}")).isEqualTo(reply);
        assertThat(sent).isEmpty();
        assertThat(again.steps().replayed()).isEqualTo(1);
    }

    @Test
    void aChildTheEngineRefusedIsBufferedWithItsErrorAndThePendingStepsStay() throws Exception {
        GuestReport report = report(new Durability(List.of(), true, 0));
        report.steps().buffer(new StepRecord(1, StepRecord.CLOCK, "realtime", "{}", "{\"ns\":1}", null, 0));
        report.steps().ask(StepRecord.CLOCK, "realtime", "{}");
        refuse = true;

        JsonNode reply = call(dispatcher(report), "{\"op\":\"task.call\",\"task\":\"nope\",\"args\":[1],\"kwargs\":{}}");

        assertThat(reply.path("error").path("type").asText()).isEqualTo("unknown_task");
        assertThat(sent.get(0).path("step").path("stepNo").asInt()).isEqualTo(2);
        assertThat(sent.get(0).path("step").path("pending")).hasSize(1);
        assertThat(report.steps().leftover()).extracting(StepRecord::stepNo).containsExactly(1, 2);
        assertThat(report.steps().leftover().get(1).outcome()).contains("unknown_task");
    }

    @Test
    void aStepTheEngineCannotJournalStopsTheGuestAndTravelsWithTheResult() throws Exception {
        GuestReport report = report(new Durability(List.of(), true, 1000));
        refuse = true;

        call(dispatcher(report), "{\"op\":\"sleep\",\"seconds\":5}");

        assertThat(report.steps().stop().errorType().wireName()).isEqualTo("internal_error");
        assertThat(report.steps().stop().message()).contains("step 1 could not be journaled");
        assertThat(report.steps().leftover()).extracting(StepRecord::kind).containsExactly(StepRecord.SLEEP);
    }

    @Test
    void aSleepMustBeANumberOfSecondsWithinAYear() throws Exception {
        HostCallDispatcher dispatcher = dispatcher(report(new Durability(List.of(), true, 1000)));

        for (String seconds : List.of("-1", "1e300", "\"5\"", "40000000")) {
            assertThat(call(dispatcher, "{\"op\":\"sleep\",\"seconds\":" + seconds + "}").path("error").path("type").asText())
                    .as(seconds).isEqualTo("bad_request");
        }
        assertThat(sent).isEmpty();
    }
}
