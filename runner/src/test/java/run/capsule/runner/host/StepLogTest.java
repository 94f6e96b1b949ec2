package run.capsule.runner.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import run.capsule.runner.protocol.Durability;
import run.capsule.runner.protocol.StepRecord;

class StepLogTest {
    private final AtomicBoolean begun = new AtomicBoolean();

    private static StepRecord clock(int n, long ns) {
        return new StepRecord(n, StepRecord.CLOCK, "realtime", "{}", "{\"ns\":" + ns + "}", null, 0);
    }

    @Test
    void nothingIsAStepBeforeTheFunctionBegins() throws Exception {
        StepLog log = new StepLog(new Durability(List.of(clock(1, 5)), true, 0), begun::get);

        assertThat(log.ask(StepRecord.CLOCK, "realtime", "{}").tracked()).isFalse();
        begun.set(true);
        StepLog.Step step = log.ask(StepRecord.CLOCK, "realtime", "{}");
        assertThat(step.replayed()).isTrue();
        assertThat(step.stepNo()).isEqualTo(1);
        assertThat(log.replayed()).isEqualTo(1);
        assertThat(log.replaying()).isFalse();
        StepLog.Step live = log.ask(StepRecord.RANDOM, "bytes", "{\"len\":4}");
        assertThat(live.tracked()).isTrue();
        assertThat(live.replayed()).isFalse();
        assertThat(live.stepNo()).isEqualTo(2);
    }

    @Test
    void requestsAreComparedAsJsonWhenTheirTextDiffers() throws Exception {
        StepRecord journaled = new StepRecord(1, StepRecord.CHILD, "fetch", "{\"args\": [1], \"kwargs\": {\"a\": 1, \"b\": 2}}",
                "{\"id\":\"c1\"}", "c1", 0);
        StepLog log = new StepLog(new Durability(List.of(journaled), true, 0), () -> true);

        assertThat(log.ask(StepRecord.CHILD, "fetch", "{\"args\":[1],\"kwargs\":{\"b\":2,\"a\":1}}").replayed()).isTrue();
    }

    @Test
    void aDifferentStepStopsAndNamesBoth() {
        StepLog log = new StepLog(new Durability(List.of(clock(1, 5)), true, 0), () -> true);

        assertThatThrownBy(() -> log.ask(StepRecord.RANDOM, "bytes", "{\"len\":8}"))
                .isInstanceOf(HostCallException.class)
                .hasMessageContaining("step 1").hasMessageContaining("clock 'realtime' {}").hasMessageContaining("random 'bytes' {\"len\":8}");
        assertThat(log.stop().errorType()).isEqualTo("nondeterminism");
        assertThat(log.verdict(null)).isSameAs(log.stop());
    }

    @Test
    void fewerStepsThanJournaledIsNondeterminismOnlyForASuccess() throws Exception {
        StepLog log = new StepLog(new Durability(List.of(clock(1, 5), clock(2, 6)), true, 0), () -> true);
        log.ask(StepRecord.CLOCK, "realtime", "{}");

        assertThat(log.verdict("task_error")).isNull();
        assertThat(log.verdict(null).message()).contains("after 1 steps", "holds 2", "journaled step 2");
    }

    @Test
    void liveStepsAreBufferedOnlyWhenJournaling() {
        StepLog off = new StepLog(new Durability(List.of(), false, 0), () -> true);
        off.buffer(clock(1, 1));
        assertThat(off.leftover()).isEmpty();
        assertThat(off.tracks()).isFalse();

        StepLog on = new StepLog(new Durability(List.of(), true, 0), () -> true);
        on.buffer(clock(1, 1));
        on.buffer(clock(2, 2));
        List<StepRecord> taken = on.takePending();
        on.buffer(clock(3, 3));
        on.restore(taken);
        assertThat(on.leftover()).extracting(StepRecord::stepNo).containsExactly(1, 2, 3);
    }

    @Test
    void theJournalIsReadInStepOrderAndAGapIsAnError() throws Exception {
        StepLog unordered = new StepLog(new Durability(List.of(clock(2, 6), clock(1, 5)), true, 0), () -> true);
        assertThat(unordered.ask(StepRecord.CLOCK, "realtime", "{}").journaled().outcome()).isEqualTo("{\"ns\":5}");

        StepLog gap = new StepLog(new Durability(List.of(clock(1, 5), clock(3, 7)), true, 0), () -> true);
        gap.ask(StepRecord.CLOCK, "realtime", "{}");
        assertThatThrownBy(() -> gap.ask(StepRecord.CLOCK, "realtime", "{}")).hasMessageContaining("no step 2");
        assertThat(gap.verdict(null).errorType()).isEqualTo("internal_error");
    }
}
