package run.capsule.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.engine.TestModules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI, in its own JVM, keeps working on the H2 journal that a serve process holds open (AUTO_SERVER). */
class CliAgainstServeTest {
    @RegisterExtension
    static final ServiceNode node = ServiceNode.withRunners(1);

    record Run(int code, String out, String err) {
    }

    /** {@code capsule ARGS} in a separate JVM, in the service's directory (so its default journal is the service's). */
    static Run capsule(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "run.capsule.engine.cli.CapsuleCli"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(node.dir().toFile()).start();
        process.getOutputStream().close();
        var out = process.getInputStream();
        var err = process.getErrorStream();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("capsule " + String.join(" ", args) + " did not finish");
        }
        return new Run(process.exitValue(), new String(out.readAllBytes(), StandardCharsets.UTF_8), new String(err.readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aTaskSubmittedByTheCliRunsOnTheServeNodeAndTheCliReadsWhatTheApiSubmitted() throws Exception {
        Run submitted = capsule("submit", TestModules.sample("hello/hello.wasm").toString(), "Cli");
        assertThat(submitted.code()).as(submitted.err()).isZero();
        String id = submitted.out().strip();

        assertThat(node.api().result(id).path("result").asText()).isEqualTo("Hello, Cli!");
        String apiId = node.api().submit(Api.JSON.createObjectNode().put("wasm_base64", java.util.Base64.getEncoder()
                .encodeToString(java.nio.file.Files.readAllBytes(TestModules.sample("wat/answer.wasm")))));
        node.api().result(apiId);
        Run status = capsule("status", apiId, "--json");
        assertThat(status.code()).as(status.err()).isZero();
        assertThat(status.out()).contains("\"status\":\"SUCCEEDED\"");
    }
}
