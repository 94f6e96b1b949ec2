package run.capsule.runner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** A starting runner removes the directories of killed runners (with what their last attempt left) and keeps live ones'. */
class WorkRootsTest {
    @TempDir
    Path tmp;

    @Test
    void aNewRootRemovesThoseOfDeadRunnersAndOldEmptyOnesOnly() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        Path dead = Files.createDirectories(tmp.resolve("capsule-runner-" + exited.pid() + "-123").resolve("attempt-9"));
        Files.writeString(dead.resolve("stdout"), "the last attempt's output");
        Path live = Files.createDirectories(tmp.resolve("capsule-runner-" + ProcessHandle.current().pid() + "-456"));
        Path older = Files.createDirectories(tmp.resolve("capsule-runner-8812345678901234"));
        Path olderUsed = Files.createDirectories(tmp.resolve("capsule-runner-8812345678901235"));
        Files.writeString(olderUsed.resolve("stdout"), "kept: not empty");
        Path olderEmpty = Files.createDirectories(tmp.resolve("capsule-runner-8812345678901236"));
        Path olderUsedLongAgo = Files.createDirectories(tmp.resolve("capsule-runner-8812345678901237").resolve("attempt-1"));
        java.nio.file.attribute.FileTime longAgo = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofDays(2)));
        Files.setLastModifiedTime(olderEmpty, longAgo);
        Files.setLastModifiedTime(olderUsedLongAgo.getParent(), longAgo);
        Path other = Files.createDirectories(tmp.resolve("something-else-1"));

        Path created = WorkRoots.create(tmp);

        assertThat(tmp.resolve("capsule-runner-" + exited.pid() + "-123")).doesNotExist();
        assertThat(live).isDirectory();
        assertThat(older).isDirectory();
        assertThat(olderUsed).isDirectory();
        assertThat(olderEmpty).doesNotExist();
        assertThat(olderUsedLongAgo).isDirectory();
        assertThat(other).isDirectory();
        assertThat(created.getFileName().toString()).startsWith("capsule-runner-" + ProcessHandle.current().pid() + "-");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(created))).isEqualTo("rwx------");
    }

    @Test
    void onlyNamesWithAPidAreOwned() {
        assertThat(WorkRoots.ownerPid("capsule-runner-4242-99")).isEqualTo(4242L);
        assertThat(WorkRoots.ownerPid("capsule-runner-8812345678901234")).isNull();
        assertThat(WorkRoots.ownerPid("capsule-runner--1")).isNull();
        assertThat(WorkRoots.ownerPid("capsule-runner-x-1")).isNull();
        assertThat(WorkRoots.ownerPid("other-4242-1")).isNull();
    }
}
