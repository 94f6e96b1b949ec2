package run.capsule.runner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * The wasmtime-java native library, extracted once into Capsule's cache directory. The binding tries
 * {@code System.loadLibrary("wasmtime_jni")} first, so a JVM started with {@code -Djava.library.path} set to
 * {@link #directory} never makes the binding's own copy in /tmp (which it would never delete).
 */
public final class NativeLibrary {
    public static final String BINDING_VERSION = "0.19.0";
    public static final String WASMTIME_VERSION = "7.0.1";
    private static final String RESOURCE = "/libwasmtime_jni_" + BINDING_VERSION + "_linux_x86_64.so";
    private static final String FILE_NAME = "libwasmtime_jni.so";

    private NativeLibrary() {
    }

    public static Path directory(Path cacheDir) {
        return cacheDir.resolve("native").resolve(BINDING_VERSION + "-linux-x86_64");
    }

    /** Extracts the library unless an identical copy is there; returns its directory. */
    public static Path extract(Path cacheDir) throws IOException {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IOException("Capsule runners run on Linux x86_64 only (this is " + os + "/" + arch + ")");
        }
        Path dir = directory(cacheDir);
        Path target = dir.resolve(FILE_NAME);
        byte[] bundled;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("wasmtime-java " + BINDING_VERSION + " is not on the class path");
            }
            bundled = in.readAllBytes();
        }
        if (Files.isRegularFile(target) && Files.size(target) == bundled.length && Arrays.equals(Files.readAllBytes(target), bundled)) {
            return dir;
        }
        AtomicFiles.write(target, bundled);
        return dir;
    }

    /** Fails unless this JVM will load the library from {@code dir} rather than from a temp copy. */
    public static void requireOnLibraryPath(Path dir) {
        String path = System.getProperty("java.library.path", "");
        for (String entry : path.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty() && Path.of(entry).toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
                return;
            }
        }
        throw new IllegalStateException("java.library.path must include " + dir + " (it is '" + path + "')");
    }

    /** The one cache directory of Capsule (and of bin/capsule's class-data archive): see {@link #cacheDir(Map, String)}. */
    public static Path defaultCacheDir() {
        return cacheDir(System.getenv(), System.getProperty("user.home"));
    }

    /**
     * $CAPSULE_CACHE_DIR, else $XDG_CACHE_HOME/capsule, else $HOME/.cache/capsule, else {user.home}/.cache/capsule: the
     * environment's HOME before the JVM's user.home (which comes from the password database), as bin/capsule does.
     */
    public static Path cacheDir(Map<String, String> env, String userHome) {
        String explicit = env.get("CAPSULE_CACHE_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "capsule");
        }
        String home = env.get("HOME");
        return Path.of(home != null && !home.isBlank() ? home : userHome, ".cache", "capsule");
    }
}
