package run.capsule.engine.retention;

import org.junit.jupiter.api.Test;
import run.capsule.engine.spec.InvalidInputException;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The periodic-prune flags of worker, serve and mcp, as parsed before a node starts. */
class PruneScheduleTest {
    @Test
    void noAgeIsNoPeriodicPrune() {
        assertThat(PruneSchedule.parse(null, false, null)).isEmpty();
    }

    @Test
    void offIsNoPeriodicPruneWhateverElseIsSet() {
        assertThat(PruneSchedule.parse("off", true, "10m")).isEmpty();
        assertThat(PruneSchedule.parse("OFF", false, null)).isEmpty();
    }

    @Test
    void anAgeAloneIsPrunedHourly() {
        PruneSchedule schedule = PruneSchedule.parse("30d", false, null).orElseThrow();
        assertThat(schedule.request().olderThan()).isEqualTo(Duration.ofDays(30));
        assertThat(schedule.request().keepFailed()).isFalse();
        assertThat(schedule.request().dryRun()).isFalse();
        assertThat(schedule.every()).isEqualTo(Duration.ofHours(1));
        assertThat(schedule.describe()).isEqualTo("pruning trees finished more than 30d ago every 1h");
    }

    @Test
    void keepFailedAndTheIntervalAreTaken() {
        PruneSchedule schedule = PruneSchedule.parse("7d", true, "15m").orElseThrow();
        assertThat(schedule.request().keepFailed()).isTrue();
        assertThat(schedule.every()).isEqualTo(Duration.ofMinutes(15));
        assertThat(schedule.describe()).isEqualTo("pruning trees finished more than 7d ago every 15m, keeping failed ones");
    }

    @Test
    void badValuesAreOneLineErrorsNamingTheFlag() {
        assertThatThrownBy(() -> PruneSchedule.parse(null, true, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage("--prune-keep-failed and --prune-every need --prune-finished-before AGE");
        assertThatThrownBy(() -> PruneSchedule.parse(null, false, "1h")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("need --prune-finished-before");
        assertThatThrownBy(() -> PruneSchedule.parse("soon", false, null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--prune-finished-before").hasMessageContaining("soon");
        assertThatThrownBy(() -> PruneSchedule.parse("0d", false, null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("greater than zero");
        assertThatThrownBy(() -> PruneSchedule.parse("30d", false, "0s")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--prune-every");
        assertThatThrownBy(() -> PruneSchedule.parse("30d", false, "100ms")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("at least 1s");
    }
}
