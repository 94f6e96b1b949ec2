package run.capsule.engine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/** Bad modules are refused with one clear line, and nothing is written to the journal. */
class BadInputTest {
    @TempDir
    static Path dir;
    static Capsule capsule;

    @BeforeAll
    static void open() {
        capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(".capsule")).runners(1).build());
    }

    @AfterAll
    static void close() {
        capsule.close();
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> badModules() throws IOException {
        Path text = Files.writeString(Files.createTempFile("notes", ".txt"), "just some notes\n");
        byte[] hello = Files.readAllBytes(TestModules.sample("hello/hello.wasm"));
        Path truncated = Files.write(Files.createTempFile("truncated", ".wasm"), Arrays.copyOf(hello, hello.length / 2));
        Path wat = TestModules.sample("wat/answer.wat");
        Path empty = Files.createTempFile("empty", ".wasm");
        return Stream.of(
                arguments(Path.of("/nonexistent/missing.wasm"), "missing.wasm: file not found"),
                arguments(text, "is not a WebAssembly module"),
                arguments(truncated, "is truncated"),
                arguments(wat, "is WebAssembly text"),
                arguments(empty, "is empty"),
                arguments(TestModules.wasm("foreign_import.wasm"), "imports env.launch_missiles"));
    }

    @ParameterizedTest
    @MethodSource("badModules")
    void isRefusedBeforeTheJournal(Path module, String expected) throws Exception {
        int before = capsule.recentTasks(1000).size();
        TaskResult result = capsule.run(TaskSpec.builder(module).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains(expected).doesNotContain("\n").doesNotContain("Exception");
        assertThat(result.execution().taskId()).isNull();
        assertThat(capsule.recentTasks(1000)).hasSize(before);
        assertThat(capsule.query("select count(*) from modules", 1).rows().get(0).get(0)).isEqualTo(0L);
    }
}
