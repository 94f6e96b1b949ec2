package run.capsule.runner.wasm;

/**
 * Copies the limits of a memory or table while capping its maximum: a missing maximum becomes the cap, a
 * larger one is lowered to it, and an initial size above the cap is refused. wasmtime then refuses to grow
 * past the cap ({@code memory.grow} and {@code table.grow} return -1).
 */
final class LimitsCapper {
    private static final int HAS_MAXIMUM = 0x01;
    private static final int SHARED = 0x02;
    private static final int INDEX_64 = 0x04;

    private LimitsCapper() {
    }

    /** @param what names the memory in messages, e.g. "memory 0" or "imported memory env.memory" */
    static void copyMemory(WasmReader in, WasmWriter out, long maxPages, String what) throws InvalidModuleException {
        int flags = in.u8();
        if ((flags & SHARED) != 0 && flags <= 0x03) {
            throw in.unsupported("threads (shared memory)");
        }
        if ((flags & INDEX_64) != 0 && flags <= 0x07) {
            throw in.unsupported("memory64 (64-bit memory)");
        }
        copy(in, out, flags, maxPages, what, "pages");
    }

    static void copyTable(WasmReader in, WasmWriter out, long maxElements, String what) throws InvalidModuleException {
        int flags = in.u8();
        if (flags == 0x04 || flags == 0x05) {
            throw in.unsupported("memory64 (64-bit table)");
        }
        copy(in, out, flags, maxElements, what, "elements");
    }

    private static void copy(WasmReader in, WasmWriter out, int flags, long cap, String what, String unit)
            throws InvalidModuleException {
        if (flags != 0 && flags != HAS_MAXIMUM) {
            throw in.malformed(String.format("%s has unknown limits flags 0x%02x", what, flags));
        }
        long initial = in.u32();
        long maximum = flags == HAS_MAXIMUM ? Math.min(in.u32(), cap) : cap;
        if (initial > cap) {
            throw in.invalid("declares " + what + " with an initial size of " + initial + " " + unit
                    + ", above Capsule's limit of " + cap + " " + unit);
        }
        out.u8(HAS_MAXIMUM).u32(initial).u32(maximum);
    }
}
