package run.capsule.runner.guest;

import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Mount;
import run.capsule.protocol.RunAttempt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns a Python task's attempt into the interpreter's WASI command (docs/languages.md): CPython runs Capsule's
 * boot script from the guest library, which is mounted read-only at {@value #LIB_DIR}; the task's source directory
 * is mounted read-only at {@value #APP_DIR}.
 *
 * <p>The library is extracted from the runner's resources once into
 * {@code <cacheDir>/guest/python-<sha-256 of the files and the interpreter's digest>/}, together with its bytecode:
 * before the directory is renamed into place, the interpreter itself compiles the modules (unchecked-hash
 * {@code .pyc} files, valid because the directory's name changes with its sources). Compiling the library on
 * every run would cost about 12 ms of each task's start. The task's own source file gets the same treatment, per
 * distinct source ({@link PythonBytecode}).
 */
public final class PythonLaunch {
    public static final String APP_DIR = "/app";
    public static final String LIB_DIR = "/lib/capsule";
    static final String BOOT = LIB_DIR + "/capsule_boot.py";
    private static final String RESOURCES = "/guest/python/";
    /** The guest library's files, relative to {@link #RESOURCES}. */
    static final List<String> FILES = List.of("capsule_boot.py", "capsule/__init__.py", "capsule/_boot.py", "capsule/_host.py",
            "capsule/http.py", "capsule/_asyncio.py");
    private static final String COMPILE = "import py_compile\n"
            + "for f in %s:\n"
            + "    py_compile.compile('" + LIB_DIR + "/' + f, doraise=True,"
            + " invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)\n";
    static final long COMPILE_TIMEOUT_MS = 120_000;
    private static final long COMPILE_MIN_PAGES = 4096;
    /** No site module and no bytecode writing: the boot script sets {@code sys.path} itself. */
    private static final List<String> FLAGS = List.of("-S", "-B");

    private final Path cacheDir;
    private final Path libDir;
    private final String interpreterSha256;

    private PythonLaunch(Path cacheDir, Path libDir, String interpreterSha256) {
        this.cacheDir = cacheDir;
        this.libDir = libDir;
        this.interpreterSha256 = interpreterSha256;
    }

    /** Runs an attempt of the interpreter (no program, a read-write mount) to its end, in {@code workDir}. */
    @FunctionalInterface
    public interface Runner {
        AttemptResult run(RunAttempt attempt, Path workDir);
    }

    /**
     * The guest library for the interpreter of {@code first} (a Python task's attempt), extracted and compiled
     * into {@code cacheDir} with {@code runner} unless it is there already. If compiling fails the library is
     * used without bytecode: slower to start, otherwise the same.
     */
    public static PythonLaunch in(Path cacheDir, RunAttempt first, Runner runner) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String file : FILES) {
            files.put(file, resource(file));
        }
        Path target = cacheDir.resolve("guest").resolve("python-" + digest(files, first.moduleSha256()));
        CacheDirectory.create(target, dir -> {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path path = dir.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.write(path, file.getValue());
            }
            compile(first, dir, runner);
        });
        return new PythonLaunch(cacheDir, target, first.moduleSha256());
    }

    /** Whether this library was prepared for the interpreter {@code attempt} runs. */
    public boolean servesInterpreterOf(RunAttempt attempt) {
        return interpreterSha256.equals(attempt.moduleSha256());
    }

    /** Where the guest library lives on the host. */
    public Path libDir() {
        return libDir;
    }

    /**
     * The interpreter's command for {@code attempt}, whose module is already the interpreter's. The source file's
     * bytecode is compiled with {@code runner} first if this source was never seen.
     */
    public RunAttempt command(RunAttempt attempt, Runner runner) throws IOException {
        List<String> args = new ArrayList<>(FLAGS);
        args.add(BOOT);
        List<Mount> mounts = new ArrayList<>();
        mounts.add(new Mount(attempt.program().sourceDir(), APP_DIR, true));
        mounts.add(new Mount(libDir.toString(), LIB_DIR, true));
        PythonBytecode.prepare(cacheDir, attempt, runner)
                .ifPresent(code -> mounts.add(new Mount(code.toString(), PythonBytecode.GUEST_DIR, true)));
        mounts.addAll(attempt.mounts());
        Map<String, String> env = new LinkedHashMap<>(attempt.env());
        env.put("PYTHONHASHSEED", "0");
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        return new RunAttempt(attempt.attemptId(), attempt.moduleSha256(), attempt.modulePath(), "python", args, env, mounts,
                attempt.timeoutMs(), attempt.outputLimitBytes(), attempt.streamStderr(), attempt.fuel(), attempt.memoryLimitPages(),
                attempt.allowedHosts(), attempt.program(), attempt.durability(), attempt.writeQuotaBytes());
    }

    private static byte[] resource(String file) throws IOException {
        try (InputStream in = PythonLaunch.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) {
                throw new IOException("the runner lacks its Python guest library file " + file);
            }
            return in.readAllBytes();
        }
    }

    private static void compile(RunAttempt first, Path dir, Runner runner) throws IOException {
        String modules = FILES.stream().filter(f -> f.startsWith("capsule/")).map(f -> "'" + f + "'")
                .collect(Collectors.joining(", ", "[", "]"));
        long pages = compilePages(first);
        RunAttempt compile = new RunAttempt(first.attemptId() + "-compile-guest-library", first.moduleSha256(), first.modulePath(), "python",
                List.of("-S", "-B", "-c", String.format(COMPILE, modules)), Map.of("PYTHONHASHSEED", "0"),
                List.of(new Mount(dir.toString(), LIB_DIR, false)), COMPILE_TIMEOUT_MS, 64 * 1024, false, 0, pages);
        Path workDir = Files.createTempDirectory(dir.getParent(), ".compile-");
        try {
            AttemptResult result = runner.run(compile, workDir);
            if (!result.succeeded()) {
                CacheDirectory.deleteTree(dir.resolve("capsule").resolve("__pycache__"));
            }
        } finally {
            CacheDirectory.deleteTree(workDir);
        }
    }

    /** The task's own memory cap if it is large enough (so that the compiled interpreter is shared), else 256 MiB. */
    static long compilePages(RunAttempt attempt) {
        long pages = attempt.memoryLimitPages();
        return pages == 0 || pages >= COMPILE_MIN_PAGES ? pages : COMPILE_MIN_PAGES;
    }

    private static String digest(Map<String, byte[]> files, String interpreterSha256) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(String.valueOf(interpreterSha256).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                sha.update(file.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(Integer.toString(file.getValue().length).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(file.getValue());
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
