package run.capsule.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.TestModules;
import run.capsule.engine.cli.CliProcess;
import run.capsule.store.JournalConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Issue 15, goal 4: `capsule serve` takes `capsule run` over as a worker does, and removes its socket when it stops. */
class ServeHandOffTest {
    private static final String NODE = "serve-hand-off";

    @TempDir
    Path dir;

    @Test
    void runIsAnsweredByTheServeNodeAndItsSocketGoesWithIt() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        Process serve = CliProcess.start(dir.resolve("serve.log"), "--db", journal.jdbcUrl(), "serve", "--port", "0", "--node-id", NODE,
                "--runners", "1");
        Path socket = dir.resolve(".capsule").resolve("node-" + serve.pid() + ".sock");
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(socket));
            Path out = dir.resolve("out.txt");
            Path err = dir.resolve("err.txt");
            Process run = CliProcess.builder("run", TestModules.sample("hello/hello.wasm").toString(), "Serve").directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).as(Files.readString(err)).isZero();
            assertThat(Files.readString(out)).isEqualTo("Hello, Serve!\n");
            Matcher id = Pattern.compile("task ([0-9a-f-]{36})").matcher(Files.readString(err));
            assertThat(id.find()).isTrue();
            try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).nodeId("reader").build())) {
                assertThat(client.attempts(id.group(1))).singleElement().extracting(a -> a.nodeId()).isEqualTo(NODE);
            }
        } finally {
            serve.destroy();
            assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(socket).doesNotExist();
    }
}
