package run.capsule.runner.guest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Mount;
import run.capsule.protocol.Program;
import run.capsule.protocol.RunAttempt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** How a Python attempt becomes CPython's command, and how the guest library lands in the cache (no interpreter run here). */
class PythonLaunchTest {
    @TempDir
    Path cache;

    private static RunAttempt attempt(Path sourceDir) {
        return new RunAttempt("a1", Interpreter.PYTHON.moduleSha256(), "/x/python.wasm", "hello.py", List.of("ignored"),
                Map.of("API_KEY", "k", "PYTHONHASHSEED", "7"), List.of(new Mount("/data", "/data", true)), 30_000, 1024, false,
                5_000, 2048, List.of("api.example.com"),
                new Program(Program.PYTHON, sourceDir.toString(), "hello.py", Program.RUN, "main", "{\"args\":[1]}"));
    }

    private static AttemptResult ran(RunAttempt attempt, boolean ok) {
        return new AttemptResult(attempt.attemptId(), ok ? 0 : 1, null, ok ? null : "task_error", ok ? null : "failed", "", false, "",
                false, 1, null, null, false);
    }

    @Test
    void theCommandRunsTheBootScriptWithTheLibraryAndSourceMountedFirst() throws Exception {
        RunAttempt given = attempt(cache.resolve("src"));
        PythonLaunch launch = PythonLaunch.in(cache, given, (a, dir) -> ran(a, true));
        RunAttempt command = launch.command(given, (a, dir) -> ran(a, false));

        assertThat(command.args()).containsExactly("-S", "-B", "/lib/capsule/capsule_boot.py");
        assertThat(command.mounts()).containsExactly(
                new Mount(cache.resolve("src").toString(), "/app", true),
                new Mount(launch.libDir().toString(), "/lib/capsule", true),
                new Mount("/data", "/data", true));
        assertThat(command.env()).containsEntry("API_KEY", "k").containsEntry("PYTHONHASHSEED", "0")
                .containsEntry("PYTHONDONTWRITEBYTECODE", "1");
        assertThat(command.program()).isEqualTo(given.program());
        assertThat(command.modulePath()).isEqualTo(given.modulePath());
        assertThat(command.moduleSha256()).isEqualTo(given.moduleSha256());
        assertThat(List.of(command.fuel(), command.memoryLimitPages(), command.timeoutMs())).containsExactly(5_000L, 2048L, 30_000L);
        assertThat(command.allowedHosts()).containsExactly("api.example.com");
    }

    @Test
    void theLibraryIsExtractedAndCompiledOnceUnderItsDigest() throws Exception {
        AtomicInteger compiles = new AtomicInteger();
        PythonLaunch.Runner runner = (a, dir) -> {
            compiles.incrementAndGet();
            assertThat(a.mounts()).hasSize(1);
            assertThat(a.mounts().get(0).readOnly()).isFalse();
            assertThat(a.mounts().get(0).guestPath()).isEqualTo("/lib/capsule");
            assertThat(a.args().get(3)).contains("py_compile").contains("'capsule/_boot.py'").doesNotContain("capsule_boot.py'");
            assertThat(a.memoryLimitPages()).isEqualTo(4096);
            return ran(a, true);
        };
        PythonLaunch first = PythonLaunch.in(cache, attempt(cache), runner);
        PythonLaunch second = PythonLaunch.in(cache, attempt(cache), runner);

        assertThat(compiles).hasValue(1);
        assertThat(second.libDir()).isEqualTo(first.libDir());
        assertThat(first.libDir().getFileName().toString()).matches("python-[0-9a-f]{64}");
        for (String file : PythonLaunch.FILES) {
            assertThat(first.libDir().resolve(file)).isRegularFile();
        }
        try (Stream<Path> siblings = Files.list(cache.resolve("guest"))) {
            assertThat(siblings).containsExactly(first.libDir());
        }
    }

    @Test
    void aFailedCompileLeavesTheSourcesWithoutBytecode() throws Exception {
        PythonLaunch launch = PythonLaunch.in(cache, attempt(cache), (a, dir) -> {
            try {
                Files.createDirectories(dir.resolve("capsule/__pycache__"));
                Files.writeString(dir.resolve("capsule/__pycache__/_boot.cpython-312.pyc"), "partial");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return ran(a, false);
        });

        assertThat(launch.libDir().resolve("capsule/_boot.py")).isRegularFile();
        assertThat(launch.libDir().resolve("capsule/__pycache__")).doesNotExist();
    }

    @Test
    void aSourcesBytecodeIsCompiledOnceAndMountedWhenThereIsSome() throws Exception {
        Path src = Files.createDirectories(cache.resolve("src"));
        Files.writeString(src.resolve("hello.py"), "print('hi')\n");
        RunAttempt given = attempt(src);
        PythonLaunch launch = PythonLaunch.in(cache, given, (a, dir) -> ran(a, true));
        AtomicInteger compiles = new AtomicInteger();
        PythonLaunch.Runner compiler = (a, dir) -> {
            compiles.incrementAndGet();
            assertThat(a.args()).endsWith("/app/hello.py");
            assertThat(a.mounts()).hasSize(2).first().isEqualTo(new Mount(src.toString(), "/app", true));
            Path out = Path.of(a.mounts().get(1).hostPath());
            try {
                Files.createDirectories(out.resolve("code"));
                Files.write(out.resolve("code/main.pyc"), new byte[] {1, 2, 3});
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return ran(a, true);
        };
        RunAttempt first = launch.command(given, compiler);
        RunAttempt second = launch.command(given, compiler);

        assertThat(compiles).hasValue(1);
        assertThat(first.mounts()).isEqualTo(second.mounts());
        Mount code = first.mounts().get(2);
        assertThat(code.guestPath()).isEqualTo("/lib/capsule-code");
        assertThat(code.readOnly()).isTrue();
        assertThat(Path.of(code.hostPath()).resolve("main.pyc")).hasBinaryContent(new byte[] {1, 2, 3});

        Files.writeString(src.resolve("hello.py"), "print('changed')\n");
        RunAttempt changed = launch.command(given, (a, dir) -> ran(a, false));
        assertThat(changed.mounts()).extracting(Mount::guestPath).containsExactly("/app", "/lib/capsule", "/data");
    }
}
