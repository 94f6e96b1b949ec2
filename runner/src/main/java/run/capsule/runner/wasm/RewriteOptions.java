package run.capsule.runner.wasm;

/**
 * How {@link ModuleRewriter} rewrites a module.
 *
 * @param meterFuel              add a fuel counter, charges at every basic block, and exported accessors
 * @param maxMemoryPages         cap on every memory's maximum, in 64 KiB pages; a larger initial size is refused
 * @param maxTableElements       cap on every table's maximum, in elements; a larger initial size is refused
 * @param maxFunctionBodyBytes   largest function body accepted, measured after instrumentation
 * @param maxFunctionInstructions largest number of instructions in one function after instrumentation (guards
 *                               Cranelift's 24-bit index overflow, GHSA-897f-g5gm-fmxm)
 * @param initialFuel            the fuel counter's value at instantiation, before the host sets it: what a
 *                               start function may spend (0 means a metered start function traps)
 * @param trackGrowth            route every {@code memory.grow} through an appended function that records a refused
 *                               growth (a result of -1) in a flag the host reads through an export
 */
public record RewriteOptions(boolean meterFuel, long maxMemoryPages, long maxTableElements, int maxFunctionBodyBytes,
                             long maxFunctionInstructions, long initialFuel, boolean trackGrowth) {

    /** 1 GiB of linear memory. */
    public static final long DEFAULT_MAX_MEMORY_PAGES = 16_384;
    public static final long DEFAULT_MAX_TABLE_ELEMENTS = 1_000_000;
    public static final int DEFAULT_MAX_FUNCTION_BODY_BYTES = 1 << 20;
    public static final long DEFAULT_MAX_FUNCTION_INSTRUCTIONS = 4_000_000;

    /** The most pages a 32-bit memory can have (4 GiB). */
    public static final long WASM32_MAX_PAGES = 65_536;
    public static final long MAX_TABLE_ELEMENTS = 0xffff_ffffL;

    public RewriteOptions {
        if (maxMemoryPages < 0 || maxMemoryPages > WASM32_MAX_PAGES) {
            throw new IllegalArgumentException("maxMemoryPages must be within 0.." + WASM32_MAX_PAGES + ": " + maxMemoryPages);
        }
        if (maxTableElements < 0 || maxTableElements > MAX_TABLE_ELEMENTS) {
            throw new IllegalArgumentException("maxTableElements must be within 0.." + MAX_TABLE_ELEMENTS + ": " + maxTableElements);
        }
        if (maxFunctionBodyBytes < 1) {
            throw new IllegalArgumentException("maxFunctionBodyBytes must be positive: " + maxFunctionBodyBytes);
        }
        if (maxFunctionInstructions < 1) {
            throw new IllegalArgumentException("maxFunctionInstructions must be positive: " + maxFunctionInstructions);
        }
        if (initialFuel < 0) {
            throw new IllegalArgumentException("initialFuel must not be negative: " + initialFuel);
        }
    }

    /** Fuel metering on, 1 GiB memories, 1M-element tables, 1 MiB and 4M instructions per function, no growth tracking. */
    public static RewriteOptions defaults() {
        return new RewriteOptions(true, DEFAULT_MAX_MEMORY_PAGES, DEFAULT_MAX_TABLE_ELEMENTS,
                DEFAULT_MAX_FUNCTION_BODY_BYTES, DEFAULT_MAX_FUNCTION_INSTRUCTIONS, 0, false);
    }

    public RewriteOptions withMeterFuel(boolean value) {
        return new RewriteOptions(value, maxMemoryPages, maxTableElements, maxFunctionBodyBytes, maxFunctionInstructions, initialFuel, trackGrowth);
    }

    public RewriteOptions withMaxMemoryPages(long value) {
        return new RewriteOptions(meterFuel, value, maxTableElements, maxFunctionBodyBytes, maxFunctionInstructions, initialFuel, trackGrowth);
    }

    public RewriteOptions withMaxTableElements(long value) {
        return new RewriteOptions(meterFuel, maxMemoryPages, value, maxFunctionBodyBytes, maxFunctionInstructions, initialFuel, trackGrowth);
    }

    public RewriteOptions withMaxFunctionBodyBytes(int value) {
        return new RewriteOptions(meterFuel, maxMemoryPages, maxTableElements, value, maxFunctionInstructions, initialFuel, trackGrowth);
    }

    public RewriteOptions withMaxFunctionInstructions(long value) {
        return new RewriteOptions(meterFuel, maxMemoryPages, maxTableElements, maxFunctionBodyBytes, value, initialFuel, trackGrowth);
    }

    public RewriteOptions withInitialFuel(long value) {
        return new RewriteOptions(meterFuel, maxMemoryPages, maxTableElements, maxFunctionBodyBytes, maxFunctionInstructions, value, trackGrowth);
    }

    public RewriteOptions withTrackGrowth(boolean value) {
        return new RewriteOptions(meterFuel, maxMemoryPages, maxTableElements, maxFunctionBodyBytes, maxFunctionInstructions, initialFuel, value);
    }
}
