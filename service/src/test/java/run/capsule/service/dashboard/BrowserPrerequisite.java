package run.capsule.service.dashboard;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The system Chromium and its chromedriver (Debian's {@code chromium} and {@code chromium-driver}, which {@code .ci/run}
 * installs). Missing, they skip the browser test on a developer machine and fail it when {@code CI=true}, like the
 * runner's {@code Prerequisites} gate, so CI cannot pass by skipping.
 */
final class BrowserPrerequisite {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private BrowserPrerequisite() {
    }

    static void require() {
        require(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), System.getenv("CI"));
    }

    static void require(boolean present, String ciValue) {
        if (present) {
            return;
        }
        String missing = CHROMIUM + " and " + CHROMEDRIVER + " (install Debian's chromium and chromium-driver: apt-get install chromium chromium-driver)";
        if (ciValue != null && "true".equalsIgnoreCase(ciValue.strip())) {
            Assertions.fail("missing test prerequisite (CI=true, so not skipped): " + missing);
        }
        Assumptions.abort(missing);
    }
}
