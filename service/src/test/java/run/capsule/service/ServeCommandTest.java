package run.capsule.service;

import org.junit.jupiter.api.Test;
import run.capsule.engine.TestModules;
import run.capsule.engine.cli.CapsuleCli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code capsule serve} is added to the CLI through the CliCommands service; its refusals are one line and exit 2. */
class ServeCommandTest {
    record Outcome(int code, String out, String err) {
    }

    static Outcome run(Path dir, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new CapsuleCli(dir, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .execute(args);
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void serveIsACapsuleCommand() throws Exception {
        Path dir = Files.createTempDirectory("capsule-serve-cli");
        Outcome help = run(dir, "serve", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--token-file").contains("--grant-dir").contains("--bind");
        assertThat(run(dir, "--help").out()).contains("serve");
    }

    @Test
    void aPublicBindWithoutATokenFileIsRefusedWithOneLine() throws Exception {
        Path dir = Files.createTempDirectory("capsule-serve-cli");
        Outcome refused = run(dir, "serve", "--bind", "0.0.0.0", "--port", "0");

        assertThat(refused.code()).isEqualTo(CapsuleCli.USAGE);
        assertThat(refused.err().strip()).startsWith("capsule: refusing to listen on 0.0.0.0 without --token-file").doesNotContain("\n");
    }

    @Test
    void otherCommandsAcceptAServeSectionInCapsuleToml() throws Exception {
        Path dir = Files.createTempDirectory("capsule-serve-cli");
        Files.writeString(dir.resolve("capsule.toml"), "[tasks]\ndefault_timeout = \"10s\"\n\n[serve]\nport = 7171\ngrant_env = [\"API_KEY\"]\n");

        Outcome run = run(dir, "run", TestModules.sample("wat/answer.wasm").toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out().strip()).isEqualTo("42");
    }

    @Test
    void badServeSettingsInCapsuleTomlAreOneLine() throws Exception {
        Path dir = Files.createTempDirectory("capsule-serve-cli");
        Files.writeString(dir.resolve("capsule.toml"), "[serve]\nport = \"seventy\"\n");
        Outcome refused = run(dir, "serve");
        assertThat(refused.code()).isEqualTo(CapsuleCli.USAGE);
        assertThat(refused.err().strip()).isEqualTo("capsule: capsule.toml: serve.port must be a whole number");

        Files.writeString(dir.resolve("capsule.toml"), "[serve]\ngrant_everything = true\n");
        assertThat(run(dir, "serve").err().strip()).isEqualTo("capsule: capsule.toml: unknown key serve.grant_everything");
        Files.writeString(dir.resolve("capsule.toml"), "[serve]\nbind = \"127.0.0.1\"\n");
        assertThat(run(dir, "serve", "--token-file", "missing.txt").err().strip()).isEqualTo("capsule: --token-file missing.txt: file not found");
        Files.writeString(dir.resolve("capsule.toml"), "[serve]\nprune_keep_failed = \"yes\"\n");
        assertThat(run(dir, "serve").err().strip()).isEqualTo("capsule: capsule.toml: serve.prune_keep_failed must be true or false");
        Files.writeString(dir.resolve("capsule.toml"), "[serve]\nprune_every = \"10m\"\n");
        assertThat(run(dir, "serve").err().strip()).isEqualTo("capsule: --prune-keep-failed and --prune-every need --prune-finished-before AGE"
                + " (with capsule.toml's [serve] prune_* keys)");
    }
}
