package run.capsule.engine.pool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.FrameCodec;
import run.capsule.protocol.Hello;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, item 8e. Reproduction: runners started from a class path with directories (target/classes, an IDE) wrote
 * "Error: non-empty directory" and "Cannot have non-empty directory in paths" to stderr and exited with status 1, because
 * the first runner was asked to write a dynamic class-data archive the JVM refuses for such class paths.
 */
class ClassDataArchiveTest {
    @TempDir
    Path cache;

    @Test
    void aClassPathWithADirectoryGetsNoArchiveOptions() throws Exception {
        Path classes = Files.createDirectories(cache.resolve("classes"));
        Files.writeString(classes.resolve("A.class"), "not empty");
        Path jar = Files.writeString(cache.resolve("lib.jar"), "jar");

        assertThat(ClassDataArchive.forRunner(cache, jar + File.pathSeparator + classes).next().jvmOptions()).isEmpty();
        assertThat(cache.resolve("cds")).doesNotExist();
        assertThat(ClassDataArchive.forRunner(cache, jar.toString()).next().jvmOptions())
                .first().asString().startsWith("-XX:ArchiveClassesAtExit=");
    }

    @Test
    void runnersFromADirectoryClassPathStartAndStopWithoutClassDataErrors() throws Exception {
        String classPath = System.getProperty("java.class.path");
        assertThat(ClassDataArchive.hasDirectory(classPath)).as("the test class path holds target/classes").isTrue();
        RunnerLauncher launcher = new RunnerLauncher(cache, classPath, List.of("-Xmx128m", "-Xshare:auto"));
        for (int run = 0; run < 2; run++) {
            Process runner = launcher.start();
            try {
                CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> {
                    try {
                        return new String(runner.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                    } catch (java.io.IOException e) {
                        return e.toString();
                    }
                });
                assertThat(FrameCodec.read(runner.getInputStream())).isInstanceOf(Hello.class);
                runner.getOutputStream().close();
                assertThat(runner.waitFor(30, TimeUnit.SECONDS)).isTrue();
                String err = stderr.get(10, TimeUnit.SECONDS);
                assertThat(err).as("runner %d stderr", run).doesNotContain("[cds]").doesNotContain("non-empty directory")
                        .doesNotContain("Error occurred during initialization of VM");
                assertThat(runner.exitValue()).as("runner %d exit status; stderr: %s", run, err).isZero();
            } finally {
                runner.destroyForcibly();
            }
        }
    }
}
