package run.capsule.runner.wasm;

/**
 * The exports a metered module gains: {@code setter(i64)} stores the remaining fuel, {@code getter() -> i64}
 * reads it. A trap {@code unreachable} with the counter below zero means the fuel ran out.
 *
 * @param globalIndex index of the (unexported) mutable i64 global holding the counter
 */
public record FuelAccessors(String setter, String getter, int globalIndex) {
    public static final String DEFAULT_SETTER = "capsule_fuel_set";
    public static final String DEFAULT_GETTER = "capsule_fuel_get";
}
