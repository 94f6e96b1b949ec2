package run.capsule.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The typed engine calls keep the wire shape of docs/protocol.md ("Engine calls"). */
class EngineOpTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aChildRequestCarriesItsStepAndThePendingSteps() throws Exception {
        StepRecord pending = new StepRecord(1, StepRecord.CLOCK, "clock", "{}", "{\"ms\":5}", null, 0);
        EngineOp start = new EngineOp.StartChild("fetch", json.readTree("[1]"), json.createObjectNode(),
                new EngineOp.ChildStep(2, List.of(pending)));
        JsonNode wire = json.valueToTree(start);
        assertThat(wire.path("op").asText()).isEqualTo("task.start");
        assertThat(wire.path("task").asText()).isEqualTo("fetch");
        assertThat(wire.path("step").path("stepNo").asInt()).isEqualTo(2);
        assertThat(wire.path("step").path("pending").get(0).path("kind").asText()).isEqualTo("clock");
        assertThat(json.treeToValue(wire, EngineOp.class)).isEqualTo(start);
    }

    @Test
    void waitsAndStepCallsReadBackFromTheirWireForm() throws Exception {
        EngineOp wait = json.readValue("{\"op\":\"task.wait\",\"ids\":[\"a\",\"b\"],\"any\":true,\"timeout_ms\":250}", EngineOp.class);
        assertThat(wait).isEqualTo(new EngineOp.WaitChildren(List.of("a", "b"), true, 250L));
        assertThat(json.valueToTree(new EngineOp.WaitChildren(List.of("a"), false, null)).has("timeout_ms")).isFalse();
        assertThat(json.readValue("{\"op\":\"step.fetch\",\"stepNo\":7}", EngineOp.class)).isEqualTo(new EngineOp.FetchStep(7));
        assertThat(json.readValue("{\"op\":\"task.call\",\"task\":\"t\"}", EngineOp.class).op()).isEqualTo(EngineOp.TASK_CALL);
        EngineCall call = new EngineCall("a1", 3, new EngineOp.RecordSteps(List.of()));
        assertThat(json.readValue(json.writeValueAsBytes(call), Message.class)).isEqualTo(call);
    }
}
