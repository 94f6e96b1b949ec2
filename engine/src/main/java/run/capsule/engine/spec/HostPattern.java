package run.capsule.engine.spec;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A network host the guest may reach: {@code api.example.com}, {@code *.example.com}, {@code *}, each with an
 * optional {@code :port}. Validated and journaled here; enforced by the runner's http host call.
 */
public record HostPattern(String pattern) {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    public static HostPattern parse(String text) {
        String value = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        String host = value;
        int colon = value.lastIndexOf(':');
        if (colon >= 0 && !value.startsWith("[")) {
            host = value.substring(0, colon);
            String port = value.substring(colon + 1);
            int p;
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                throw new InvalidInputException("invalid --allow-host '" + text + "': port must be 1-65535");
            }
        }
        if (!host.equals("*")) {
            String rest = host.startsWith("*.") ? host.substring(2) : host;
            if (rest.isEmpty() || rest.length() > 253) {
                throw new InvalidInputException("invalid --allow-host '" + text + "': expected a host name, *.domain or *");
            }
            for (String label : rest.split("\\.", -1)) {
                if (!LABEL.matcher(label).matches()) {
                    throw new InvalidInputException("invalid --allow-host '" + text + "': '" + label + "' is not a valid host name label");
                }
            }
        }
        return new HostPattern(value);
    }
}
