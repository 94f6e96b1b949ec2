package run.capsule.runner.wasm;

import java.util.Optional;

/**
 * A rewritten module.
 *
 * @param bytes             the module's new binary (the array is not copied: do not modify it)
 * @param fuel              the fuel accessors, present when fuel metering was requested
 * @param growthRefusedFlag the export {@code () -> i32} that returns 1 once a {@code memory.grow} of the guest
 *                          returned -1, present when growth tracking was requested and the module has a memory
 * @param chargePoints      how many fuel charges were inserted across all functions
 */
public record RewrittenModule(byte[] bytes, Optional<FuelAccessors> fuel, Optional<String> growthRefusedFlag,
                              long chargePoints) {
    public static final String DEFAULT_GROWTH_REFUSED_FLAG = "capsule_grow_refused";
}
