package run.capsule.engine.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import run.capsule.engine.retention.PruneSchedule;
import run.capsule.engine.spec.InvalidInputException;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The periodic-prune flags of a node command over serve's capsule.toml keys: a flag given wins, either way. */
class PruneFlagsTest {
    @Command(name = "node")
    static final class Node {
        @Mixin
        PruneFlags prune = new PruneFlags();
    }

    private static Optional<PruneSchedule> parse(PruneFlags.Fallback file, String... args) {
        Node node = new Node();
        new CommandLine(node).parseArgs(args);
        return node.prune.schedule(file);
    }

    @Test
    void theFileAloneSetsThePrune() {
        PruneSchedule schedule = parse(new PruneFlags.Fallback("30d", true, "10m")).orElseThrow();
        assertThat(schedule.request().keepFailed()).isTrue();
        assertThat(schedule.every()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void flagsOverrideTheFileIncludingTurningThingsOff() {
        PruneSchedule schedule = parse(new PruneFlags.Fallback("30d", true, "10m"), "--no-prune-keep-failed", "--prune-every", "2h").orElseThrow();
        assertThat(schedule.request().keepFailed()).isFalse();
        assertThat(schedule.every()).isEqualTo(Duration.ofHours(2));
        assertThat(parse(new PruneFlags.Fallback("30d", true, "10m"), "--prune-finished-before", "off")).isEmpty();
        assertThat(parse(new PruneFlags.Fallback(null, false, null), "--prune-finished-before", "7d", "--prune-keep-failed").orElseThrow()
                .request().keepFailed()).isTrue();
    }

    @Test
    void anErrorFromTheFileSaysSo() {
        assertThatThrownBy(() -> parse(new PruneFlags.Fallback(null, false, "10m"))).isInstanceOf(InvalidInputException.class)
                .hasMessage("--prune-keep-failed and --prune-every need --prune-finished-before AGE (with capsule.toml's [serve] prune_* keys)");
        assertThatThrownBy(() -> parse(new PruneFlags.Fallback(null, false, null), "--prune-every", "10m")).isInstanceOf(InvalidInputException.class)
                .hasMessage("--prune-keep-failed and --prune-every need --prune-finished-before AGE");
    }
}
