package run.capsule.runner.guest;

import run.capsule.runner.protocol.Mount;
import run.capsule.runner.protocol.RunAttempt;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Turns a Python task's attempt into the interpreter's WASI command (docs/languages.md): CPython runs Capsule's
 * boot script from the guest library, which is extracted from the runner's resources once into
 * {@code <cacheDir>/guest/python-<sha-256 of the files>/} and mounted read-only at {@value #LIB_DIR}; the task's
 * source directory is mounted read-only at {@value #APP_DIR}.
 */
public final class PythonLaunch {
    public static final String APP_DIR = "/app";
    public static final String LIB_DIR = "/lib/capsule";
    static final String BOOT = LIB_DIR + "/capsule_boot.py";
    private static final String RESOURCES = "/guest/python/";
    /** The guest library's files, relative to {@link #RESOURCES}. */
    static final List<String> FILES = List.of("capsule_boot.py", "capsule/__init__.py", "capsule/_host.py", "capsule/http.py");
    /** No site module and no bytecode writing: the boot script sets {@code sys.path} itself. */
    private static final List<String> FLAGS = List.of("-S", "-B");

    private final Path libDir;

    private PythonLaunch(Path libDir) {
        this.libDir = libDir;
    }

    /** Extracts the guest library into {@code cacheDir} unless it is there already. */
    public static PythonLaunch in(Path cacheDir) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String file : FILES) {
            files.put(file, resource(file));
        }
        Path target = cacheDir.resolve("guest").resolve("python-" + digest(files));
        if (!Files.isDirectory(target)) {
            extract(files, target);
        }
        return new PythonLaunch(target);
    }

    /** Where the guest library lives on the host. */
    public Path libDir() {
        return libDir;
    }

    /** The interpreter's command for {@code attempt}, whose module is already the interpreter's. */
    public RunAttempt command(RunAttempt attempt) {
        List<String> args = new ArrayList<>(FLAGS);
        args.add(BOOT);
        List<Mount> mounts = new ArrayList<>();
        mounts.add(new Mount(attempt.program().sourceDir(), APP_DIR, true));
        mounts.add(new Mount(libDir.toString(), LIB_DIR, true));
        mounts.addAll(attempt.mounts());
        Map<String, String> env = new LinkedHashMap<>(attempt.env());
        env.put("PYTHONHASHSEED", "0");
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        return new RunAttempt(attempt.attemptId(), attempt.moduleSha256(), attempt.modulePath(), "python", args, env, mounts,
                attempt.timeoutMs(), attempt.outputLimitBytes(), attempt.streamStderr(), attempt.fuel(), attempt.memoryLimitPages(),
                attempt.allowedHosts(), attempt.program(), attempt.durability());
    }

    private static byte[] resource(String file) throws IOException {
        try (InputStream in = PythonLaunch.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) {
                throw new IOException("the runner lacks its Python guest library file " + file);
            }
            return in.readAllBytes();
        }
    }

    private static String digest(Map<String, byte[]> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
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

    /** Writes the files into a fresh directory beside {@code target}, then renames it; a concurrent winner is fine. */
    private static void extract(Map<String, byte[]> files, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + "-");
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path path = temp.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.write(path, file.getValue());
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(target)) {
                    throw new IOException("cannot move the Python guest library into " + target + ": " + e.getMessage(), e);
                }
                // another runner extracted the same files first
            }
        } finally {
            deleteTree(temp);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
