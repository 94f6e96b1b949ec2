package run.capsule.runner.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ClockPollTest {
    private static final long MS = 1_000_000;
    private final ByteBuffer memory = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);

    private void clock(int index, long userdata, int clockId, long timeoutNanos, boolean absolute) {
        int at = 64 + index * 48;
        memory.putLong(at, userdata);
        memory.put(at + 8, (byte) 0);
        memory.putInt(at + 16, clockId);
        memory.putLong(at + 24, timeoutNanos);
        memory.putShort(at + 40, (short) (absolute ? 1 : 0));
    }

    private OptionalInt poll(ClockPoll clock, int subscriptions) {
        return clock.poll(memory, 64, 1024, subscriptions, 2048);
    }

    @Test
    void aRelativeSleepWithinTheDeadlineSleepsAndReportsItsEvent() {
        clock(0, 77, 0, 50 * MS, false);
        long started = System.nanoTime();

        OptionalInt errno = poll(new ClockPoll(started, started + 5_000 * MS), 1);

        assertThat(errno).hasValue(ClockPoll.SUCCESS);
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(50 * MS);
        assertThat(memory.getInt(2048)).isEqualTo(1);
        assertThat(memory.getLong(1024)).isEqualTo(77);
        assertThat(memory.getShort(1024 + 8)).isZero();
        assertThat(memory.get(1024 + 10)).isZero();
    }

    @Test
    void aSleepPastTheDeadlineEndsAtTheDeadline() {
        clock(0, 1, 1, 30_000 * MS, false);
        long started = System.nanoTime();

        assertThatThrownBy(() -> poll(new ClockPoll(started, started + 100 * MS), 1))
                .isInstanceOf(ClockPoll.DeadlineReached.class);
        long elapsed = System.nanoTime() - started;
        assertThat(elapsed).isBetween(100 * MS, 1_000 * MS);
    }

    @Test
    void onlyTheClocksWhoseTimeCameAreReported() {
        clock(0, 1, 1, 20 * MS, false);
        clock(1, 2, 1, 10_000 * MS, false);
        long now = System.nanoTime();

        assertThat(poll(new ClockPoll(now, now + 60_000 * MS), 2)).hasValue(ClockPoll.SUCCESS);
        assertThat(memory.getInt(2048)).isEqualTo(1);
        assertThat(memory.getLong(1024)).isEqualTo(1);
    }

    @Test
    void anAbsoluteMonotonicTimeCountsFromTheGuestClocksOrigin() {
        long origin = System.nanoTime() - 1_000 * MS;
        clock(0, 5, 1, 1_000 * MS, true);

        long started = System.nanoTime();
        assertThat(poll(new ClockPoll(origin, started + 5_000 * MS), 1)).hasValue(ClockPoll.SUCCESS);
        assertThat(System.nanoTime() - started).isLessThan(500 * MS);
    }

    @Test
    void refusalsFollowWasi() {
        long now = System.nanoTime();
        ClockPoll clock = new ClockPoll(now, now + 5_000 * MS);
        assertThat(poll(clock, 0)).hasValue(ClockPoll.EINVAL);
        clock(0, 1, 0, 10, true);
        assertThat(poll(clock, 1)).as("absolute realtime").hasValue(ClockPoll.ENOTSUP);
        clock(0, 1, 2, 10, false);
        assertThat(poll(clock, 1)).as("process cputime").hasValue(ClockPoll.EINVAL);
        clock(0, 1, 1, -1, false);
        assertThat(poll(clock, 1)).as("timeout beyond i64").hasValue(ClockPoll.EOVERFLOW);
        assertThat(clock.poll(memory, 4090, 1024, 1, 2048)).as("subscriptions out of bounds").hasValue(ClockPoll.EFAULT);
    }

    @Test
    void aFileDescriptorSubscriptionIsLeftToWasi() {
        clock(0, 1, 1, 10, false);
        memory.put(64 + 48 + 8, (byte) 1);
        long now = System.nanoTime();

        assertThat(poll(new ClockPoll(now, now + 5_000 * MS), 2)).isEmpty();
    }

    @Test
    void whileJournaledStepsRemainEveryClockFiresAtOnceEvenPastTheDeadline() {
        clock(0, 1, 1, 20_000 * MS, false);
        clock(1, 2, 0, 30_000 * MS, false);
        long started = System.nanoTime();

        OptionalInt errno = poll(new ClockPoll(started, started + 100 * MS, () -> true), 2);

        assertThat(errno).hasValue(ClockPoll.SUCCESS);
        // at once: far below the 20 s and 30 s timeouts the clocks ask for (a loaded machine may take a while anyway)
        assertThat(System.nanoTime() - started).isLessThan(5_000 * MS);
        assertThat(memory.getInt(2048)).isEqualTo(2);
        assertThat(memory.getLong(1024)).isEqualTo(1);
        assertThat(memory.getLong(1024 + 32)).isEqualTo(2);
    }
}
