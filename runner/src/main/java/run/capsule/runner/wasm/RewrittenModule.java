package run.capsule.runner.wasm;

import java.util.Optional;

/**
 * A rewritten module.
 *
 * @param bytes        the module's new binary (the array is not copied: do not modify it)
 * @param fuel         the fuel accessors, present when fuel metering was requested
 * @param chargePoints how many fuel charges were inserted across all functions
 */
public record RewrittenModule(byte[] bytes, Optional<FuelAccessors> fuel, long chargePoints) {
}
