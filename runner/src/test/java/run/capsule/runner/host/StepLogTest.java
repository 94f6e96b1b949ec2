package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;
import org.junit.jupiter.api.Test;
import run.capsule.protocol.Durability;
import run.capsule.protocol.StepRecord;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        assertThat(log.stop().errorType().wireName()).isEqualTo("nondeterminism");
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
    void liveStepsAreBufferedOnlyWhenJournaling() throws Exception {
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
        assertThat(gap.verdict(null).errorType().wireName()).isEqualTo("internal_error");
    }

    /** Red-team finding 5: a million time.time() calls were buffered without limit until the runner ran out of heap. */
    @Test
    void theBufferIsSentToTheEngineWheneverItFillsSoItNeverGrowsWithoutBound() throws Exception {
        StepLog log = new StepLog(new Durability(List.of(), true, 0), () -> true);
        List<List<StepRecord>> sent = new java.util.ArrayList<>();
        log.sendTo(sent::add);

        int steps = 5 * StepLog.FLUSH_STEPS + 7;
        int mostPending = 0;
        for (int i = 1; i <= steps; i++) {
            StepLog.Step step = log.ask(StepRecord.CLOCK, "realtime", "{}");
            log.buffer(clock(step.stepNo(), i));
            mostPending = Math.max(mostPending, log.pendingCount());
        }

        assertThat(mostPending).isLessThan(StepLog.FLUSH_STEPS);
        assertThat(sent).hasSize(5).allSatisfy(batch -> assertThat(batch).hasSize(StepLog.FLUSH_STEPS));
        assertThat(log.leftover()).hasSize(7);
        List<Integer> numbers = new java.util.ArrayList<>();
        sent.forEach(batch -> batch.forEach(s -> numbers.add(s.stepNo())));
        log.leftover().forEach(s -> numbers.add(s.stepNo()));
        assertThat(numbers).isEqualTo(java.util.stream.IntStream.rangeClosed(1, steps).boxed().toList());
    }

    @Test
    void largeStepsAreSentOnceTheyWeighAMebibyte() throws Exception {
        StepLog log = new StepLog(new Durability(List.of(), true, 0), () -> true);
        List<List<StepRecord>> sent = new java.util.ArrayList<>();
        log.sendTo(sent::add);
        String big = "{\"done\":[\"" + "x".repeat(300_000) + "\"]}";

        for (int i = 1; i <= 4; i++) {
            log.buffer(new StepRecord(i, StepRecord.WAIT, "children", "{}", big, null, 0));
        }

        assertThat(sent).hasSize(1);
        assertThat(sent.get(0)).extracting(StepRecord::stepNo).containsExactly(1, 2, 3, 4);
        assertThat(log.pendingCount()).isZero();
    }

    @Test
    void aStepPastTheStepLimitStopsTheGuestAsLimitExceeded() throws Exception {
        StepLog log = new StepLog(new Durability(List.of(clock(1, 5), clock(2, 6)), true, 0, Durability.CURRENT_FORMAT, 3, 0), () -> true);
        log.ask(StepRecord.CLOCK, "realtime", "{}");
        log.ask(StepRecord.CLOCK, "realtime", "{}");
        log.buffer(clock(log.ask(StepRecord.CLOCK, "realtime", "{}").stepNo(), 7));

        assertThatThrownBy(() -> log.ask(StepRecord.CLOCK, "realtime", "{}"))
                .isInstanceOf(HostCallException.class)
                .hasMessageContaining("step 4").hasMessageContaining("step limit (maxSteps) of 3");
        assertThat(log.verdict(null).errorType().wireName()).isEqualTo("limit_exceeded");
        assertThat(log.leftover()).extracting(StepRecord::stepNo).containsExactly(3);
    }

    @Test
    void aStepPastTheByteLimitIsNotJournaledAndStopsTheGuest() throws Exception {
        StepRecord journaled = new StepRecord(1, StepRecord.HTTP, "GET http://a/", "{}", "x".repeat(60), null, 0);
        long first = journaled.journaledBytes();
        StepLog log = new StepLog(new Durability(List.of(journaled), true, 0, Durability.CURRENT_FORMAT, 0, first + 40), () -> true);
        assertThat(log.journaledBytes()).isEqualTo(first);
        log.ask(StepRecord.HTTP, "GET http://a/", "{}");
        log.buffer(clock(log.ask(StepRecord.CLOCK, "realtime", "{}").stepNo(), 1));

        StepRecord tooBig = new StepRecord(3, StepRecord.WAIT, "children", "{}", "y".repeat(40), null, 0);
        assertThatThrownBy(() -> log.buffer(tooBig)).hasMessageContaining("over its limit (maxStepBytes) of " + (first + 40) + " bytes");
        assertThat(log.stop().errorType().wireName()).isEqualTo("limit_exceeded");
        assertThat(log.leftover()).extracting(StepRecord::stepNo).containsExactly(2);
    }

    @Test
    void aStepTheEngineHeldBackIsFetchedWhenTheReplayReachesIt() throws Exception {
        StepRecord whole = new StepRecord(2, StepRecord.HTTP, "GET http://a/", "{}", "{\"status\":200}", null, 3);
        StepLog log = new StepLog(new Durability(List.of(clock(1, 5), StepRecord.held(2, StepRecord.HTTP, 9_000_000)), true, 0), () -> true);
        List<Integer> fetched = new java.util.ArrayList<>();
        log.fetchFrom(n -> {
            fetched.add(n);
            return whole;
        });
        assertThat(log.journaledBytes()).isEqualTo(clock(1, 5).journaledBytes() + 9_000_000);

        log.ask(StepRecord.CLOCK, "realtime", "{}");
        assertThat(fetched).isEmpty();
        assertThat(log.ask(StepRecord.HTTP, "GET http://a/", "{}").journaled()).isEqualTo(whole);
        assertThat(fetched).containsExactly(2);
    }

    @Test
    void aHeldStepThatCannotBeFetchedStopsTheGuest() {
        StepLog log = new StepLog(new Durability(List.of(StepRecord.held(1, StepRecord.HTTP, 10)), true, 0), () -> true);
        log.fetchFrom(n -> {
            throw new HostCallException(ErrorType.INTERNAL_ERROR, "engine gone");
        });

        assertThatThrownBy(() -> log.ask(StepRecord.HTTP, "GET http://a/", "{}")).hasMessageContaining("step 1 could not be fetched: engine gone");
        assertThat(log.verdict(null).errorType().wireName()).isEqualTo("internal_error");
    }
}
