package run.capsule.service.dashboard;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A missing Chromium skips the browser test locally and fails it in CI (CI=true), never a silent pass. */
class BrowserPrerequisiteTest {
    @Test
    void missingBrowserFailsInCiAndSkipsElsewhere() {
        assertThatThrownBy(() -> BrowserPrerequisite.require(false, "true")).isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("CI=true").hasMessageContaining("chromium-driver");
        assertThatThrownBy(() -> BrowserPrerequisite.require(false, null)).isInstanceOf(TestAbortedException.class);
        assertThatThrownBy(() -> BrowserPrerequisite.require(false, "false")).isInstanceOf(TestAbortedException.class);
        assertThatCode(() -> BrowserPrerequisite.require(true, "true")).doesNotThrowAnyException();
    }
}
