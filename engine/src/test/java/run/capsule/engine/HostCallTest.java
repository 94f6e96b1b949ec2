package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/** The host-call channel through the engine, with the C sample (samples/host-api) as the guest. */
class HostCallTest {
    @RegisterExtension
    static final EngineNode node = EngineNode.withRunners(1);

    static TaskResult call(String request) throws Exception {
        return node.capsule().run(TaskSpec.builder(TestModules.sample("host-api/host_call.wasm")).arg(request).build());
    }

    @Test
    void echoComesBack() throws Exception {
        TaskResult result = call("{\"op\":\"echo\",\"value\":{\"n\":1,\"s\":\"ünï\"}}");
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().toString()).isEqualTo("{\"value\":{\"n\":1,\"s\":\"ünï\"}}");
    }

    @Test
    void aReplyLargerThanTheFirstBufferIsFetchedWhole() throws Exception {
        String big = "y".repeat(20_000);
        TaskResult result = call("{\"op\":\"echo\",\"value\":\"" + big + "\"}");
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("value").asText()).isEqualTo(big);
    }

    @Test
    void aHostCallImportWithTheWrongSignatureIsInvalidInput() throws Exception {
        TaskResult result = node.capsule().run(TaskSpec.builder(TestModules.wasm("host_call_bad_signature.wasm")).build());
        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains("cannot be instantiated");
    }

    @Test
    void badRequestsGetAnErrorReplyAndTheRunnerSurvives() throws Exception {
        TaskResult garbage = call("not json at all");
        TaskResult unknown = call("{\"op\":\"format_disk\"}");
        TaskResult after = call("{\"op\":\"echo\",\"value\":true}");

        assertThat(garbage.success()).isTrue();
        assertThat(garbage.result().path("error").path("type").asText()).isEqualTo("bad_request");
        assertThat(unknown.result().path("error").path("type").asText()).isEqualTo("unknown_op");
        assertThat(unknown.result().path("error").path("message").asText()).startsWith("unknown op \"format_disk\"");
        assertThat(after.result().toString()).isEqualTo("{\"value\":true}");
    }
}
