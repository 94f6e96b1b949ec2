package run.capsule.engine.spec;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * An environment variable the guest may see: {@code NAME} (value taken from the host environment) or
 * {@code NAME=VALUE}. Nothing of the host environment reaches the guest unless named.
 */
public record EnvGrant(String name, String value) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public static EnvGrant parse(String text, Map<String, String> hostEnv) {
        String value = text == null ? "" : text;
        int eq = value.indexOf('=');
        String name = eq < 0 ? value : value.substring(0, eq);
        if (!NAME.matcher(name).matches()) {
            throw new InvalidInputException("invalid --env '" + text + "': expected NAME or NAME=VALUE");
        }
        if (eq >= 0) {
            return new EnvGrant(name, value.substring(eq + 1));
        }
        String fromHost = hostEnv.get(name);
        if (fromHost == null) {
            throw new InvalidInputException("invalid --env '" + text + "': " + name + " is not set in the environment (nor in ./.env)");
        }
        return new EnvGrant(name, fromHost);
    }

    @Override
    public String toString() {
        return name + "=***";
    }
}
