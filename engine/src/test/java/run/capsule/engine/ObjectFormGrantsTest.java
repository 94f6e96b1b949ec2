package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.engine.spec.JobPolicy;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #18: Capsule's object form of file grants, {@code {"path": ..., "mode": "read-only"}}, in Python and
 * JavaScript. Before, such an entry was refused as {@code invalid allowed_files entry ''}.
 */
class ObjectFormGrantsTest {
    @RegisterExtension
    static final EngineNode node = EngineNode.withRunners(1);
    /** The operator trusts what the source declares, so the declared grants are what is tested (docs/security.md). */
    private static final JobPolicy TRUSTING = JobPolicy.builder().trustDeclared(true).build();

    @Test
    void pythonReadsAReadOnlyObjectGrantAndCannotWriteIt() throws Exception {
        Path data = Files.createDirectories(node.dir().resolve("pydata"));
        Files.writeString(data.resolve("in.txt"), "forty-two");
        Path source = node.source("objgrant.py", """
                from capsule import task

                @task(name="main", allowed_files=[{"path": "./pydata", "mode": "read-only"}])
                def main():
                    text = open("/pydata/in.txt").read()
                    try:
                        open("/pydata/out.txt", "w").write("no")
                        wrote = True
                    except OSError:
                        wrote = False
                    return {"text": text, "wrote": wrote}
                """);
        TaskResult result = node.capsule().run(TaskSpec.builder(source).policy(TRUSTING).build());
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("text").asText()).isEqualTo("forty-two");
        assertThat(result.result().path("wrote").asBoolean()).isFalse();
        assertThat(data.resolve("out.txt")).doesNotExist();
    }

    @Test
    void javaScriptWritesThroughAnObjectGrantWhoseModeDefaultsToReadWrite() throws Exception {
        Path data = Files.createDirectories(node.dir().resolve("jsdata"));
        Path source = node.source("objgrant.js", """
                import { task, writeFile, readFile } from "capsule";

                export const main = task({ name: "main", allowedFiles: [{ path: "./jsdata" }] }, () => {
                  writeFile("/jsdata/out.txt", "written");
                  return readFile("/jsdata/out.txt");
                });
                """);
        TaskResult result = node.capsule().run(TaskSpec.builder(source).policy(TRUSTING).build());
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().asText()).isEqualTo("written");
        assertThat(data.resolve("out.txt")).hasContent("written");
    }

    @Test
    void anUnknownModeIsRefusedNamingTheEntry() throws Exception {
        Path source = node.source("badmode.py", """
                from capsule import task

                @task(name="main", allowed_files=[{"path": "./pydata", "mode": "sometimes"}])
                def main():
                    return 1
                """);
        TaskResult result = node.capsule().run(TaskSpec.builder(source).policy(TRUSTING).build());
        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains("mode 'sometimes'").contains("read-only, read-write, ro or rw");
    }
}
