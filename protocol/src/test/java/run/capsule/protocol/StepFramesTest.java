package run.capsule.protocol;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The step fields of {@code run} and {@code result} frames (docs/steps.md) survive the codec. */
class StepFramesTest {
    @Test
    void durabilityAndStepsRoundTrip() throws Exception {
        StepRecord step = new StepRecord(3, StepRecord.HTTP, "GET https://a.example/", "{\"method\":\"GET\"}", "{\"status\":200}", null, 12);
        RunAttempt run = new RunAttempt("t#2", "ab12", "/m.wasm", "python", List.of(), Map.of(), List.of(), 1000, 4096, false, 0, 0,
                List.of(), new Program(Program.PYTHON, "/src", "a.py", Program.RUN, "main", "{}"),
                new Durability(List.of(step), true, 60_000));
        AttemptResult result = new AttemptResult("t#2", null, null, "suspended", "suspended until ...", "", false, "", false, 5, null, null,
                false, List.of(), null, null, List.of(step), 2, 1_800_000_000_000L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameCodec.write(out, run);
        FrameCodec.write(out, result);
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());

        assertThat(FrameCodec.read(in)).isEqualTo(run);
        assertThat(FrameCodec.read(in)).isEqualTo(result);
    }

    @Test
    void aDurabilityWithoutAStepFormatIsTheFirstFormat() throws Exception {
        Durability sent = new Durability(List.of(), true, 0, Durability.WAIT_STEPS);
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(sent);
        Durability old = new com.fasterxml.jackson.databind.ObjectMapper().readValue(json.replace(",\"stepFormat\":2", ""), Durability.class);

        assertThat(json).contains("\"stepFormat\":2");
        assertThat(old.stepFormat()).isEqualTo(Durability.FIRST_FORMAT);
        assertThat(new Durability(List.of(), true, 0).stepFormat()).isEqualTo(Durability.CURRENT_FORMAT);
    }
}
