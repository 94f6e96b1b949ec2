package run.capsule.runner.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one gate for tests that need something outside the build (the native wasmtime library, the npm interpreters,
 * wabt, the spec suite). On a developer machine a missing prerequisite skips the test; when {@code CI=true} it fails
 * the run, so a CI run cannot pass by skipping.
 */
public final class Prerequisites {
    static final String CI_VARIABLE = "CI";

    private Prerequisites() {
    }

    /** Skips (locally) or fails (CI) unless {@code present}; {@code missing} says what is missing and how to get it. */
    public static void require(boolean present, String missing) {
        require(present, missing, System.getenv(CI_VARIABLE));
    }

    /** For a prerequisite whose absence was found by catching an exception: skips (locally) or fails (CI). */
    public static void missing(String missing) {
        require(false, missing);
    }

    /** Whether this is a CI run ({@code CI=true}), where nothing may be left out silently. */
    public static boolean inCi() {
        return isCi(System.getenv(CI_VARIABLE));
    }

    static boolean isCi(String ciValue) {
        return ciValue != null && "true".equalsIgnoreCase(ciValue.strip());
    }

    static void require(boolean present, String missing, String ciValue) {
        if (present) {
            return;
        }
        if (isCi(ciValue)) {
            Assertions.fail("missing test prerequisite (CI=true, so not skipped): " + missing);
        }
        Assumptions.abort(missing);
    }
}
