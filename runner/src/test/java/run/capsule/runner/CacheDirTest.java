package run.capsule.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 8c. Reproduction: with {@code HOME=/tmp/h} bin/capsule put its class-data archive in
 * /tmp/h/.cache/capsule while the engine took the JVM's user.home (from the password database) for everything else,
 * so one user had two cache roots. One rule now: CAPSULE_CACHE_DIR, XDG_CACHE_HOME, HOME, user.home.
 */
class CacheDirTest {
    @Test
    void theEnvironmentsHomeWinsOverTheJvmsUserHome() {
        assertThat(NativeLibrary.cacheDir(Map.of("HOME", "/tmp/h"), "/root")).isEqualTo(Path.of("/tmp/h/.cache/capsule"));
    }

    @Test
    void explicitSettingsComeFirstInOneOrder() {
        Map<String, String> all = Map.of("CAPSULE_CACHE_DIR", "/c", "XDG_CACHE_HOME", "/x", "HOME", "/h");
        assertThat(NativeLibrary.cacheDir(all, "/u")).isEqualTo(Path.of("/c"));
        assertThat(NativeLibrary.cacheDir(Map.of("XDG_CACHE_HOME", "/x", "HOME", "/h"), "/u")).isEqualTo(Path.of("/x/capsule"));
        assertThat(NativeLibrary.cacheDir(Map.of("CAPSULE_CACHE_DIR", " ", "HOME", "/h"), "/u")).isEqualTo(Path.of("/h/.cache/capsule"));
        assertThat(NativeLibrary.cacheDir(Map.of(), "/u")).isEqualTo(Path.of("/u/.cache/capsule"));
    }
}
