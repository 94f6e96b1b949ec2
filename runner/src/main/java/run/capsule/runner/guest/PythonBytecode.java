package run.capsule.runner.guest;

import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Mount;
import run.capsule.protocol.RunAttempt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bytecode of a Python task's source file, compiled once per distinct source (and interpreter) by the interpreter in
 * a sandbox run of its own that sees only the source, and kept under {@code <cacheDir>/guest/python-code/<digest>/}.
 * The boot script uses it when its checked hash matches the source it reads, and compiles the source itself
 * otherwise. Worth it because CPython's {@code compile()} first builds its AST types, about 10 ms of every start;
 * a source that does not compile leaves an empty directory, and the boot reports the error as usual.
 */
final class PythonBytecode {
    static final String GUEST_DIR = "/lib/capsule-code";
    static final String FILE = "main.pyc";
    /** Where the bytecode lands in the cache directory: a subdirectory, because py_compile creates the one it writes to. */
    private static final String SUBDIR = "code";
    private static final long MAX_SOURCE_BYTES = 1024 * 1024;
    private static final String COMPILE = "import py_compile, sys\n"
            + "py_compile.compile(sys.argv[1], cfile='/out/" + SUBDIR + "/" + FILE + "', dfile=sys.argv[1], doraise=True,"
            + " invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)\n";

    private PythonBytecode() {
    }

    /** The directory holding the bytecode of {@code attempt}'s source file, compiled first if needed; empty if there is none. */
    static Optional<Path> prepare(Path cacheDir, RunAttempt attempt, PythonLaunch.Runner runner) throws IOException {
        Path source = Path.of(attempt.program().sourceDir()).resolve(attempt.program().file());
        if (!Files.isRegularFile(source) || Files.size(source) > MAX_SOURCE_BYTES) {
            return Optional.empty();
        }
        byte[] bytes = Files.readAllBytes(source);
        String key = Interpreters.sha256(concat(attempt.moduleSha256() + "\0" + attempt.program().file() + "\0", bytes));
        Path target = cacheDir.resolve("guest").resolve("python-code").resolve(key);
        CacheDirectory.create(target, dir -> compile(attempt, dir, runner));
        Path code = target.resolve(SUBDIR);
        return Files.isRegularFile(code.resolve(FILE)) ? Optional.of(code) : Optional.empty();
    }

    private static void compile(RunAttempt attempt, Path out, PythonLaunch.Runner runner) throws IOException {
        RunAttempt compile = new RunAttempt(attempt.attemptId() + "-compile-source", attempt.moduleSha256(), attempt.modulePath(), "python",
                List.of("-S", "-B", "-c", COMPILE, PythonLaunch.APP_DIR + "/" + attempt.program().file()), Map.of("PYTHONHASHSEED", "0"),
                List.of(new Mount(attempt.program().sourceDir(), PythonLaunch.APP_DIR, true), new Mount(out.toString(), "/out", false)),
                PythonLaunch.COMPILE_TIMEOUT_MS, 64 * 1024, false, 0, PythonLaunch.compilePages(attempt));
        Path workDir = Files.createTempDirectory(out.getParent(), ".work-");
        try {
            AttemptResult result = runner.run(compile, workDir);
            if (!result.succeeded()) {
                CacheDirectory.deleteTree(out.resolve(SUBDIR));
            }
        } finally {
            CacheDirectory.deleteTree(workDir);
        }
    }

    private static byte[] concat(String prefix, byte[] bytes) {
        byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + bytes.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bytes, 0, all, head.length, bytes.length);
        return all;
    }
}
