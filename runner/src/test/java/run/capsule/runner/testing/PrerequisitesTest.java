package run.capsule.runner.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Issue 12, item 6: with CI=true a missing prerequisite fails the run in one line instead of skipping the test. */
class PrerequisitesTest {
    @Test
    void aPresentPrerequisiteNeitherSkipsNorFails() {
        assertThatCode(() -> Prerequisites.require(true, "wabt", "true")).doesNotThrowAnyException();
        assertThatCode(() -> Prerequisites.require(true, "wabt", null)).doesNotThrowAnyException();
    }

    @Test
    void outsideCiAMissingPrerequisiteSkips() {
        assertThatThrownBy(() -> Prerequisites.require(false, "wabt tools missing (apt-get install wabt)", null))
                .isInstanceOf(TestAbortedException.class).hasMessageContaining("apt-get install wabt");
        assertThatThrownBy(() -> Prerequisites.require(false, "wabt", "false")).isInstanceOf(TestAbortedException.class);
    }

    @Test
    void inCiAMissingPrerequisiteFailsWithOneLine() {
        assertThatThrownBy(() -> Prerequisites.require(false, "wabt tools missing from PATH: [wast2json] (apt-get install wabt)", "true"))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessage("missing test prerequisite (CI=true, so not skipped): wabt tools missing from PATH: [wast2json] (apt-get install wabt)");
        assertThatThrownBy(() -> Prerequisites.require(false, "wabt", "TRUE")).isInstanceOf(AssertionFailedError.class);
    }
}
