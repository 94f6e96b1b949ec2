package run.capsule.runner.sandbox;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalInt;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * WASI preview1 {@code poll_oneoff} for calls whose subscriptions are all clocks (what {@code sleep},
 * {@code nanosleep} and CPython's {@code time.sleep} issue): it sleeps in Java and never past the attempt's
 * deadline. Calls with file-descriptor subscriptions are left to WASI itself, where they never block: the
 * guest's files are regular files, always ready, and its stdin is a pipe WASI refuses to poll.
 *
 * <p>Follows wasi-common 7: a relative realtime or monotonic timeout sleeps that long; an absolute monotonic
 * timeout counts from the guest clock's origin; an absolute realtime timeout is not supported; other clocks are
 * invalid; events are written for every clock whose time has come.
 */
final class ClockPoll {
    static final int SUCCESS = 0;
    static final int EFAULT = 21;
    static final int EINVAL = 28;
    static final int ENOTSUP = 58;
    static final int EOVERFLOW = 61;

    private static final int SUBSCRIPTION_BYTES = 48;
    private static final int EVENT_BYTES = 32;
    private static final int TAG_CLOCK = 0;
    private static final int CLOCK_REALTIME = 0;
    private static final int CLOCK_MONOTONIC = 1;
    private static final int ABSOLUTE_TIME = 1;

    private final long monotonicOriginNanos;
    private final long deadlineNanos;
    private final BooleanSupplier timePassed;

    /**
     * @param monotonicOriginNanos {@link System#nanoTime()} when the guest's monotonic clock read zero, or
     *                             later (then absolute sleeps end late, never early)
     * @param deadlineNanos        {@link System#nanoTime()} at which the attempt's time is up
     */
    ClockPoll(long monotonicOriginNanos, long deadlineNanos) {
        this(monotonicOriginNanos, deadlineNanos, () -> false);
    }

    /**
     * @param timePassed true while the attempt replays journaled steps (docs/steps.md): the time its sleeps wait
     *                   for has already passed, so every clock fires at once
     */
    ClockPoll(long monotonicOriginNanos, long deadlineNanos, BooleanSupplier timePassed) {
        this.monotonicOriginNanos = monotonicOriginNanos;
        this.deadlineNanos = deadlineNanos;
        this.timePassed = timePassed;
    }

    /** The attempt's deadline came during a sleep; the guest must be stopped as timed out. */
    static final class DeadlineReached extends RuntimeException {
        DeadlineReached() {
            super("deadline reached during poll_oneoff", null, false, false);
        }
    }

    /**
     * Serves the call when every subscription is a clock and returns its errno; returns empty when some
     * subscription waits on a file descriptor (forward the call to WASI).
     *
     * @throws DeadlineReached after sleeping up to the deadline, when the earliest clock would fire after it
     */
    OptionalInt poll(ByteBuffer memory, int in, int out, int subscriptions, int eventsOut) {
        ByteBuffer mem = memory.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (subscriptions == 0) {
            return OptionalInt.of(EINVAL);
        }
        long inStart = Integer.toUnsignedLong(in);
        long count = Integer.toUnsignedLong(subscriptions);
        if (inStart + count * SUBSCRIPTION_BYTES > mem.capacity()) {
            return OptionalInt.of(EFAULT);
        }
        for (long i = 0; i < count; i++) {
            if ((mem.get((int) (inStart + i * SUBSCRIPTION_BYTES + 8)) & 0xff) != TAG_CLOCK) {
                return OptionalInt.empty();
            }
        }
        long now = System.nanoTime();
        long[] wakeAt = new long[(int) count];
        long earliest = Long.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            int at = (int) (inStart + (long) i * SUBSCRIPTION_BYTES);
            int clock = mem.getInt(at + 16);
            long timeout = mem.getLong(at + 24);
            boolean absolute = (mem.getShort(at + 40) & ABSOLUTE_TIME) != 0;
            long from;
            if (clock == CLOCK_MONOTONIC) {
                from = absolute ? monotonicOriginNanos : now;
            } else if (clock == CLOCK_REALTIME) {
                if (absolute) {
                    return OptionalInt.of(ENOTSUP);
                }
                from = now;
            } else {
                return OptionalInt.of(EINVAL);
            }
            if (timeout < 0 || from > Long.MAX_VALUE - timeout) {
                return OptionalInt.of(EOVERFLOW);
            }
            wakeAt[i] = from + timeout;
            earliest = Math.min(earliest, wakeAt[i]);
        }
        long outStart = Integer.toUnsignedLong(out);
        if (outStart + count * EVENT_BYTES > mem.capacity() || Integer.toUnsignedLong(eventsOut) + 4 > mem.capacity()) {
            return OptionalInt.of(EFAULT);
        }
        boolean passed = timePassed.getAsBoolean();
        if (!passed && earliest - deadlineNanos > 0) {
            sleepUntil(deadlineNanos);
            throw new DeadlineReached();
        }
        if (!passed) {
            sleepUntil(earliest);
        }
        long woke = System.nanoTime();
        int events = 0;
        for (int i = 0; i < count; i++) {
            if (passed || woke - wakeAt[i] >= 0) {
                int event = (int) (outStart + (long) events * EVENT_BYTES);
                for (int b = 0; b < EVENT_BYTES; b++) {
                    mem.put(event + b, (byte) 0);
                }
                mem.putLong(event, mem.getLong((int) (inStart + (long) i * SUBSCRIPTION_BYTES)));
                mem.put(event + 10, (byte) TAG_CLOCK);
                events++;
            }
        }
        mem.putInt(eventsOut, events);
        return OptionalInt.of(SUCCESS);
    }

    private static void sleepUntil(long nanoTime) {
        long remaining;
        while ((remaining = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
            if (Thread.interrupted()) {
                throw new DeadlineReached();
            }
        }
    }
}
