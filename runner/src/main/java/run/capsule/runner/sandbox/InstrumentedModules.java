package run.capsule.runner.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import run.capsule.runner.AtomicFiles;
import run.capsule.runner.wasm.FuelAccessors;
import run.capsule.runner.wasm.InvalidModuleException;
import run.capsule.runner.wasm.ModuleRewriter;
import run.capsule.runner.wasm.RewriteOptions;
import run.capsule.runner.wasm.RewriterVersion;
import run.capsule.runner.wasm.RewrittenModule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Modules rewritten for the sandbox, kept on disk under {@code <cacheDir>/instrumented/} and named by
 * everything that shapes their bytes: the original's sha-256, {@link RewriterVersion#CURRENT}, the memory
 * cap and whether fuel is metered. Each {@code KEY.wasm} has a {@code KEY.json} naming the exports the
 * rewriter added.
 */
final class InstrumentedModules {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    InstrumentedModules(Path cacheDir) {
        this.dir = cacheDir.resolve("instrumented");
    }

    /** What the bytes of an instrumented module depend on. */
    record Key(String moduleSha256, long memoryLimitPages, boolean meterFuel) {
        String name() {
            return moduleSha256 + "-r" + RewriterVersion.CURRENT + "-p" + memoryLimitPages + (meterFuel ? "" : "-nofuel");
        }

        RewriteOptions options() {
            return RewriteOptions.defaults()
                    .withMeterFuel(meterFuel)
                    .withMaxMemoryPages(memoryLimitPages)
                    .withTrackGrowth(true);
        }
    }

    /** The exports the rewriter added, as stored next to the module. */
    record Exports(String fuelSetter, String fuelGetter, String growthRefusedFlag) {
        static Exports of(RewrittenModule rewritten) {
            return new Exports(rewritten.fuel().map(FuelAccessors::setter).orElse(null),
                    rewritten.fuel().map(FuelAccessors::getter).orElse(null),
                    rewritten.growthRefusedFlag().orElse(null));
        }
    }

    record Instrumented(byte[] bytes, Exports exports) {
    }

    /** A module's digest as the cache may use it: the given one when it is a sha-256, else computed. */
    static String digest(String claimed, byte[] bytes) {
        if (claimed != null && SHA256.matcher(claimed).matches()) {
            return claimed;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isDigest(String value) {
        return value != null && SHA256.matcher(value).matches();
    }

    /**
     * The instrumented module for {@code key}, from disk when it was made before, else rewritten from
     * {@code original} and stored.
     */
    Instrumented get(Key key, String sourceName, ModuleBytes original) throws IOException, InvalidModuleException {
        Path wasm = dir.resolve(key.name() + ".wasm");
        Path exports = dir.resolve(key.name() + ".json");
        if (Files.isRegularFile(wasm) && Files.isRegularFile(exports)) {
            try {
                return new Instrumented(Files.readAllBytes(wasm), JSON.readValue(exports.toFile(), Exports.class));
            } catch (IOException e) {
                // a damaged entry: rewrite it below
            }
        }
        RewrittenModule rewritten = ModuleRewriter.rewrite(sourceName, original.read(), key.options());
        Exports added = Exports.of(rewritten);
        Files.createDirectories(dir);
        AtomicFiles.write(wasm, rewritten.bytes());
        AtomicFiles.write(exports, JSON.writeValueAsBytes(added));
        return new Instrumented(rewritten.bytes(), added);
    }


    /** The original module's bytes, read only when they are needed. */
    interface ModuleBytes {
        byte[] read() throws IOException;
    }
}
