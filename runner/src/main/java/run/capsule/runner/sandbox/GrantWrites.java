package run.capsule.runner.sandbox;

import io.github.kawamuray.wasmtime.Val;
import run.capsule.runner.host.WriteQuota;
import run.capsule.runner.wasm.WasiForwarder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Holds a guest's WASI writes to files to its {@link WriteQuota}: {@code fd_write} and {@code fd_pwrite} on any fd but
 * stdin, stdout and stderr (every other fd a WASI guest holds is a grant's directory or a file in one) are refused with
 * {@code ENOSPC} when the bytes asked for do not fit, and otherwise handed to WASI and the bytes it wrote counted.
 * {@code fd_renumber} onto fd 0, 1 or 2 makes that fd counted too, so a file moved onto stdout is not a way around.
 */
final class GrantWrites {
    static final int ERRNO_NOSPC = 51;
    static final List<WasiForwarder.Function> FUNCTIONS = List.of(
            new WasiForwarder.Function("fd_write", List.of(WasiForwarder.I32, WasiForwarder.I32, WasiForwarder.I32, WasiForwarder.I32)),
            new WasiForwarder.Function("fd_pwrite", List.of(WasiForwarder.I32, WasiForwarder.I32, WasiForwarder.I32, WasiForwarder.I64,
                    WasiForwarder.I32)),
            new WasiForwarder.Function("fd_renumber", List.of(WasiForwarder.I32, WasiForwarder.I32)));
    private static final int IOVEC_BYTES = 8;

    private final WriteQuota quota;
    private final Set<Integer> countedStdio = new HashSet<>();

    GrantWrites(WriteQuota quota) {
        this.quota = quota;
    }

    static boolean takesOver(String wasiName) {
        return FUNCTIONS.stream().anyMatch(f -> f.name().equals(wasiName));
    }

    /** Serves {@code name} with {@code params}; {@code wasi} makes WASI's own call and returns its errno. */
    int call(ByteBuffer memory, String name, Val[] params, Function<Val[], Integer> wasi) {
        int fd = params[0].i32();
        if (name.equals("fd_renumber")) {
            int errno = wasi.apply(params);
            if (errno == 0 && params[1].i32() >= 0 && params[1].i32() <= 2) {
                countedStdio.add(params[1].i32());
            }
            return errno;
        }
        if (fd >= 0 && fd <= 2 && !countedStdio.contains(fd)) {
            return wasi.apply(params);
        }
        ByteBuffer mem = memory.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long asked = askedBytes(mem, params[1].i32(), params[2].i32());
        if (asked > 0 && !quota.fits(asked)) {
            return ERRNO_NOSPC;
        }
        int errno = wasi.apply(params);
        long writtenAt = Integer.toUnsignedLong(params[name.equals("fd_pwrite") ? 4 : 3].i32());
        if (errno == 0 && writtenAt + 4 <= mem.capacity()) {
            quota.add(Integer.toUnsignedLong(mem.getInt((int) writtenAt)));
        }
        return errno;
    }

    /** The total length of the iovecs, or -1 when they lie outside memory (WASI itself then answers EFAULT). */
    private static long askedBytes(ByteBuffer mem, int iovs, int count) {
        long at = Integer.toUnsignedLong(iovs);
        long n = Integer.toUnsignedLong(count);
        if (at + n * IOVEC_BYTES > mem.capacity()) {
            return -1;
        }
        long total = 0;
        for (long i = 0; i < n; i++) {
            total += Integer.toUnsignedLong(mem.getInt((int) (at + i * IOVEC_BYTES + 4)));
        }
        return total;
    }
}
