package run.capsule.engine.spec;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses byte sizes such as {@code 256MB}, {@code 1GiB}, {@code 512k} (decimal and binary units both mean powers of 1024). */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMG]I?B?|B)?", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    public static long parse(String flag, String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new InvalidInputException("invalid " + flag + " value '" + text + "': use a size such as 64MB, 512KB or 1GB");
        }
        long number;
        try {
            number = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("invalid " + flag + " value '" + text + "': number too large");
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        long factor = switch (unit.charAt(0)) {
            case 'K' -> 1024L;
            case 'M' -> 1024L * 1024;
            case 'G' -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        if (number == 0) {
            throw new InvalidInputException("invalid " + flag + " value '" + text + "': must be greater than zero");
        }
        if (number > Long.MAX_VALUE / factor) {
            throw new InvalidInputException("invalid " + flag + " value '" + text + "': too large");
        }
        return number * factor;
    }

    public static String format(long bytes) {
        if (bytes % (1024L * 1024 * 1024) == 0) {
            return bytes / (1024L * 1024 * 1024) + "GB";
        }
        if (bytes % (1024L * 1024) == 0) {
            return bytes / (1024L * 1024) + "MB";
        }
        if (bytes % 1024 == 0) {
            return bytes / 1024 + "KB";
        }
        return bytes + "B";
    }
}
