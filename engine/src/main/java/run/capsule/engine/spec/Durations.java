package run.capsule.engine.spec;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations such as {@code 30s}, {@code 500ms}, {@code 5m}, {@code 1h} or ISO-8601 {@code PT30S}. */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?", Pattern.CASE_INSENSITIVE);

    private Durations() {
    }

    public static Duration parse(String flag, String text) {
        String value = text == null ? "" : text.strip();
        Duration d = null;
        Matcher m = SIMPLE.matcher(value);
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
                d = switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofSeconds(n);
                };
            } catch (NumberFormatException | ArithmeticException e) {
                throw new InvalidInputException("invalid " + flag + " value '" + text + "': too large");
            }
        } else if (value.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                d = Duration.parse(value.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException ignored) {
                d = null;
            }
        }
        if (d == null) {
            throw new InvalidInputException("invalid " + flag + " value '" + text + "': use a duration such as 500ms, 30s, 5m or 1h");
        }
        if (d.isNegative() || d.isZero()) {
            throw new InvalidInputException("invalid " + flag + " value '" + text + "': must be greater than zero");
        }
        return d;
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
