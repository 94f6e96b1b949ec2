package run.capsule.engine.cli;

import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.InvalidInputException;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * A point in time given on the command line: an age such as {@code 30d} or {@code 12h} (that long before now), a date
 * {@code 2026-11-01} (midnight UTC), or a time {@code 2026-11-01T08:00:00Z} (without an offset: UTC).
 */
record TimeBound(Duration ago, Instant at) {
    static TimeBound parse(String flag, String text) {
        String value = text == null ? "" : text.strip();
        if (value.matches("\\d{4}-\\d{2}-\\d{2}.*")) {
            try {
                if (value.length() == 10) {
                    return new TimeBound(null, LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant());
                }
                try {
                    return new TimeBound(null, OffsetDateTime.parse(value).toInstant());
                } catch (DateTimeParseException e) {
                    return new TimeBound(null, LocalDateTime.parse(value).toInstant(ZoneOffset.UTC));
                }
            } catch (DateTimeParseException e) {
                throw new InvalidInputException("invalid " + flag + " value '" + text + "': use a date such as 2026-11-01 or a time such as 2026-11-01T08:00:00Z");
            }
        }
        try {
            return new TimeBound(Durations.parse(flag, value), null);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("invalid " + flag + " value '" + text + "': use an age such as 30d or 12h, a date such as 2026-11-01"
                    + " or a time such as 2026-11-01T08:00:00Z");
        }
    }

    Instant resolve(Instant now) {
        return at != null ? at : now.minus(ago);
    }
}
