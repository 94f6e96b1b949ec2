package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.JournalConfig;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The pool of a node started by worker, serve or mcp grows with its runners; a pool set larger stays as set. */
class CapsuleOptionsTest {
    @TempDir
    Path dir;

    @Test
    void aNodesPoolIsSizedForItsRunnersWhenAsked() {
        JournalConfig journal = JournalConfig.embedded(dir);
        assertThat(journal.poolSize()).isEqualTo(4);
        assertThat(CapsuleOptions.builder().journal(journal).runners(8).poolSizedForRunners().build().journal().poolSize()).isEqualTo(12);
        assertThat(CapsuleOptions.builder().journal(journal).runners(8).build().journal().poolSize()).isEqualTo(4);
        assertThat(CapsuleOptions.builder().journal(journal.withPoolSize(20)).runners(8).poolSizedForRunners().build().journal().poolSize())
                .isEqualTo(20);
        assertThat(CapsuleOptions.builder().journal(journal).runners(1).poolSizedForRunners().build().journal().poolSize()).isEqualTo(5);
    }
}
