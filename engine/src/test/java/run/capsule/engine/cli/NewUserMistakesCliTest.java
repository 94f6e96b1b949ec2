package run.capsule.engine.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.TestModules;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 12, item 8 a and b: mistakes a new user makes get a one-line answer that names what they typed. */
class NewUserMistakesCliTest {
    @TempDir
    Path workDir;

    private CliOutcome capsule(String... args) {
        return CliOutcome.run(workDir, Map.of(), args);
    }

    /** Reproduction: {@code [tasks] default_ram = "lots"} was reported as {@code invalid --ram value 'lots'}. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "default_ram     | \"lots\"  | lots  | use a size such as 64MB",
            "default_compute | \"TURBO\" | TURBO | use LOW, MEDIUM, HIGH",
            "default_timeout | \"soon\"  | soon  | use a duration such as 500ms",
            "default_max_retries | -1    | -1    | use a whole number from 0 to 100",
            "max_ram         | \"huge\"  | huge  | use a size such as 64MB",
            "max_compute     | \"MAX\"   | MAX   | use LOW, MEDIUM, HIGH",
            "max_timeout     | \"never\" | never | use a duration such as 500ms",
            "max_depth       | -3      | -3    | use a whole number, 0 or more",
            "max_children    | -1      | -1    | use a whole number, 0 or more",
            "write_quota     | \"plenty\" | plenty | use a size such as 64MB"})
    void aBadCapsuleTomlValueNamesTheFileAndKeyNotAFlag(String key, String toml, String shown, String hint) throws Exception {
        Files.writeString(workDir.resolve("capsule.toml"), "[tasks]\n" + key + " = " + toml + "\n");

        CliOutcome run = capsule("run", TestModules.sample("hello/hello.wasm").toString());

        assertThat(run.exitCode()).isEqualTo(CapsuleCli.USAGE);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err().strip()).startsWith("capsule: capsule.toml: [tasks] " + key + ": invalid value '" + shown + "': " + hint)
                .doesNotContain("--").doesNotContain("Exception");
    }

    @Test
    void goodCapsuleTomlValuesStillRun() throws Exception {
        Files.writeString(workDir.resolve("capsule.toml"), """
                [tasks]
                default_ram = "64MB"
                default_compute = 1000000000
                default_timeout = "30s"
                max_ram = "1GB"
                max_timeout = "5m"
                max_compute = "HIGH"
                max_depth = 4
                max_children = 10
                write_quota = "0"
                """);

        CliOutcome run = capsule("run", TestModules.sample("hello/hello.wasm").toString(), "Ada");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Hello, Ada!");
    }

    /** Reproduction: {@code capsule histroy} printed "Unmatched argument at index 0" and no suggestion. */
    @Test
    void aMistypedCommandGetsTheNearestOne() {
        CliOutcome typo = capsule("histroy");

        assertThat(typo.exitCode()).isEqualTo(CapsuleCli.USAGE);
        assertThat(typo.err()).isEqualTo("capsule: unknown command 'histroy'; did you mean 'history'?" + System.lineSeparator());
        assertThat(capsule("wrker").err().strip()).isEqualTo("capsule: unknown command 'wrker'; did you mean 'worker'?");
        assertThat(capsule("xyzzy").err().strip()).isEqualTo("capsule: unknown command 'xyzzy'; see 'capsule --help'");
        assertThat(capsule("run", "--turbo", "x.wasm").err()).as("an unknown option is reported as before").contains("--turbo");
    }
}
