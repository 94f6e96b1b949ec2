package run.capsule.runner.sandbox;

import run.capsule.protocol.ErrorType;
import io.github.kawamuray.wasmtime.Caller;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import run.capsule.runner.host.HostCallDispatcher;
import run.capsule.runner.host.HostCallException;
import run.capsule.runner.host.HostCallExchange;
import run.capsule.runner.host.StepLog;
import run.capsule.runner.host.WasiChannel;
import run.capsule.runner.host.WasiSteps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The host functions of one attempt: {@code capsule.host_call}, the WASI door to the host-call channel, WASI writes
 * held to the write quota, the journaled {@code clock_time_get} and {@code random_get}, and {@code poll_oneoff}, so
 * that sleeps end at the deadline. The fields are set once the guest is instantiated and the deadline armed, before
 * {@code _start} runs.
 */
final class GuestHost {
    /** The exit code a host function throws when the attempt's deadline came while it blocked; WASI exits stop at 125. */
    static final int DEADLINE_EXIT = 0x7ca9_5e1d;
    /** The exit code a host function throws when a step stops the guest (nondeterminism, suspended): see {@link StepLog#stop()}. */
    static final int STEP_EXIT = 0x7ca9_57e9;
    private static final int ERRNO_FAULT = 21;
    private static final int ERRNO_NOSYS = 52;

    private final Store<Void> store;
    HostCallExchange hostCalls;
    HostCallDispatcher dispatcher;
    WasiChannel channel;
    Map<String, Func> channelForward = Map.of();
    Memory memory;
    Func forward;
    ClockPoll clock;
    StepLog steps;
    WasiSteps wasiSteps;
    Map<String, Func> stepForward = Map.of();
    GrantWrites writes;
    Map<String, Func> writeForward = Map.of();
    volatile boolean deadlineHit;
    volatile boolean stepStopped;
    /** Set with the deadline; a host call that returns after it ends the guest as timed out. */
    long deadlineNanos;
    boolean deadlineArmed;
    /** Why a host function ended the guest, when that is neither a step nor the deadline. */
    volatile String failure;

    GuestHost(Store<Void> store) {
        this.store = store;
    }

    Store<Void> store() {
        return store;
    }

    /** A WASI call the channel may take over: its own fds and path; anything else goes to WASI. */
    void channelCall(String name, Val[] params, Val[] results) {
        OptionalInt errno;
        try {
            if (memory == null || dispatcher == null) {
                errno = OptionalInt.of(ERRNO_NOSYS);
            } else {
                ByteBuffer mem = memory.buffer(store);
                errno = switch (name) {
                    case "path_open" -> channel.pathOpen(mem, params[0].i32(), params[2].i32(), params[3].i32(), params[8].i32());
                    case "fd_write" -> channel.fdWrite(mem, params[0].i32(), params[1].i32(), params[2].i32(), params[3].i32());
                    case "fd_read" -> channel.fdRead(mem, params[0].i32(), params[1].i32(), params[2].i32(), params[3].i32());
                    case "fd_close" -> channel.fdClose(params[0].i32());
                    case "fd_filestat_get" -> channel.fdFilestatGet(mem, params[0].i32(), params[1].i32());
                    case "fd_fdstat_get" -> channel.fdFdstatGet(mem, params[0].i32(), params[1].i32());
                    default -> OptionalInt.empty();
                };
            }
        } catch (WasiChannel.Overflow e) {
            failure = e.getMessage();
            throw new WasmFunctionError.I32ExitError(STEP_EXIT);
        } catch (RuntimeException e) {
            errno = OptionalInt.of(ERRNO_FAULT);
        }
        stopIfAsked();
        if (errno.isPresent()) {
            results[0] = Val.fromI32(errno.getAsInt());
            return;
        }
        if (writes != null && name.equals("fd_write")) {
            grantWrite(name, params, results);
            return;
        }
        Func forward = channelForward.get(name);
        results[0] = forward == null ? Val.fromI32(ERRNO_NOSYS) : forward.call(store, params)[0];
    }

    /** {@code fd_write}, {@code fd_pwrite}, {@code fd_renumber} held to the write quota, then WASI's own. */
    void grantWrite(String name, Val[] params, Val[] results) {
        Func forward = writeForward.get(name);
        if (memory == null || forward == null) {
            results[0] = Val.fromI32(ERRNO_NOSYS);
            return;
        }
        results[0] = Val.fromI32(writes.call(memory.buffer(store), name, params, p -> forward.call(store, p)[0].i32()));
    }

    /** Ends the guest at once when a step asked for it (docs/steps.md): a host call cannot return then. */
    void stopIfAsked() {
        StepLog.Stop stop = steps == null ? null : steps.stop();
        if (stop == null) {
            if (deadlineArmed && System.nanoTime() - deadlineNanos >= 0) {
                deadlineHit = true;
                throw new WasmFunctionError.I32ExitError(DEADLINE_EXIT);
            }
            return;
        }
        if (stop.errorType().equals(ErrorType.TIMEOUT)) {
            deadlineHit = true;
            throw new WasmFunctionError.I32ExitError(DEADLINE_EXIT);
        }
        stepStopped = true;
        throw new WasmFunctionError.I32ExitError(STEP_EXIT);
    }

    /** WASI {@code clock_time_get}: the realtime clock is a step once the task's function began; anything else is WASI's. */
    void clockTimeGet(Caller<Void> caller, Val[] params, Val[] results) {
        stepOrWasi("clock_time_get", params[0].i32() == 0 && tracksSteps(), params, results, mem -> {
            long ns = wasiSteps.realtimeNanos();
            long at = Integer.toUnsignedLong(params[2].i32());
            if (at + 8 > mem.capacity()) {
                return ERRNO_FAULT;
            }
            mem.putLong((int) at, ns);
            return 0;
        });
    }

    /** WASI {@code random_get}: a step once the task's function began; before, WASI's own. */
    void randomGet(Caller<Void> caller, Val[] params, Val[] results) {
        stepOrWasi("random_get", tracksSteps(), params, results, mem -> {
            long at = Integer.toUnsignedLong(params[0].i32());
            long length = Integer.toUnsignedLong(params[1].i32());
            if (at + length > mem.capacity()) {
                return ERRNO_FAULT;
            }
            mem.put((int) at, wasiSteps.randomBytes((int) length));
            return 0;
        });
    }

    private boolean tracksSteps() {
        return memory != null && wasiSteps != null && steps.tracks();
    }

    /** A journaled reading written into guest memory; returns the WASI errno. */
    private interface StepAnswer {
        int write(ByteBuffer memory) throws HostCallException;
    }

    /** Answers WASI function {@code name} from the step log when {@code journaled}, else hands it to WASI's own. */
    private void stepOrWasi(String name, boolean journaled, Val[] params, Val[] results, StepAnswer answer) {
        if (!journaled) {
            Func forward = stepForward.get(name);
            results[0] = forward == null ? Val.fromI32(ERRNO_NOSYS) : forward.call(store, params)[0];
            return;
        }
        int errno;
        try {
            errno = answer.write(memory.buffer(store).order(ByteOrder.LITTLE_ENDIAN));
        } catch (HostCallException e) {
            errno = ERRNO_FAULT;
        }
        stopIfAsked();
        results[0] = Val.fromI32(errno);
    }

    void hostCall(Caller<Void> caller, Val[] params, Val[] results) {
        if (memory == null || hostCalls == null) {
            results[0] = Val.fromI32(HostCallExchange.BAD_MEMORY);
            return;
        }
        int length;
        try {
            length = hostCalls.call(memory.buffer(store), params[0].i32(), params[1].i32(), params[2].i32(), params[3].i32());
        } catch (RuntimeException e) {
            length = HostCallExchange.BAD_MEMORY;
        }
        stopIfAsked();
        results[0] = Val.fromI32(length);
    }

    void pollOneoff(Caller<Void> caller, Val[] params, Val[] results) {
        if (memory == null || clock == null) {
            results[0] = Val.fromI32(ClockPoll.EINVAL);
            return;
        }
        OptionalInt errno;
        try {
            errno = clock.poll(memory.buffer(store), params[0].i32(), params[1].i32(), params[2].i32(), params[3].i32());
        } catch (ClockPoll.DeadlineReached e) {
            deadlineHit = true;
            throw new WasmFunctionError.I32ExitError(DEADLINE_EXIT);
        } catch (RuntimeException e) {
            errno = OptionalInt.of(ClockPoll.EFAULT);
        }
        if (errno.isPresent()) {
            results[0] = Val.fromI32(errno.getAsInt());
        } else if (forward != null) {
            results[0] = forward.call(store, params)[0];
        } else {
            results[0] = Val.fromI32(ClockPoll.EINVAL);
        }
    }
}
