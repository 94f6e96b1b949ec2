package run.capsule.engine.spec;

import java.util.Locale;

/** A task's CPU budget in fuel units (see docs/fuel.md): a named level or an explicit amount. */
public record Compute(String level, long fuel) {
    public static final Compute LOW = new Compute("LOW", 100_000_000L);
    public static final Compute MEDIUM = new Compute("MEDIUM", 2_000_000_000L);
    public static final Compute HIGH = new Compute("HIGH", 50_000_000_000L);

    public static Compute parse(String text) {
        String value = text == null ? "" : text.strip();
        switch (value.toUpperCase(Locale.ROOT)) {
            case "LOW":
                return LOW;
            case "MEDIUM":
                return MEDIUM;
            case "HIGH":
                return HIGH;
            default:
                break;
        }
        try {
            long fuel = Long.parseLong(value.replace("_", ""));
            if (fuel > 0) {
                return new Compute("CUSTOM", fuel);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidInputException("invalid --compute value '" + text + "': use LOW, MEDIUM, HIGH or a positive number of fuel units");
    }
}
