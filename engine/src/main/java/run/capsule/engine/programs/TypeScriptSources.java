package run.capsule.engine.programs;

import com.fasterxml.jackson.databind.ObjectMapper;
import run.capsule.engine.execution.AttemptRunner;
import run.capsule.engine.spec.Compute;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.Limits;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Mount;
import run.capsule.runner.guest.CacheDirectory;
import run.capsule.runner.guest.Interpreter;
import run.capsule.runner.guest.TypeScriptTool;
import run.capsule.store.ModuleStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * TypeScript sources ({@code .ts}, {@code .mts}; docs/languages.md): their types are stripped before they are described,
 * journaled or run, by {@link TypeScriptTool} running in a sandbox (QuickJS; no Node). The JavaScript lands in a cache
 * directory named by the digests of the source with its local modules and of the tool, under the source's own file
 * name and with copies of its local modules beside it, so that file then stands in for the source everywhere. Sucrase
 * keeps every line where it was: a stack trace's line numbers are the TypeScript file's.
 */
final class TypeScriptSources {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Limits LIMITS = Limits.builder().timeout(Duration.ofSeconds(60)).ramBytes(512L << 20).compute(Compute.HIGH).build();

    /** {@code file}: the JavaScript to use in the source's place. */
    record Transpiled(Path file, boolean cached, long transpileMs) {
    }

    private final Path cacheDir;
    private final AttemptRunner runner;
    private final Supplier<Path> quickJs;

    TypeScriptSources(Path cacheDir, AttemptRunner runner, Supplier<Path> quickJs) {
        this.cacheDir = cacheDir;
        this.runner = runner;
        this.quickJs = quickJs;
    }

    static boolean is(Path source) {
        String name = source.getFileName() == null ? "" : source.getFileName().toString().toLowerCase(Locale.ROOT);
        return (name.endsWith(".ts") || name.endsWith(".mts")) && !name.endsWith(".d.ts");
    }

    Transpiled transpile(Path source, List<String> localModules) throws InterruptedException {
        Path sourceDir = source.toAbsolutePath().normalize().getParent();
        String file = source.getFileName().toString();
        byte[] original = Programs.sourceBytes(source, localModules);
        String key = ModuleStore.sha256((TypeScriptTool.version() + "\n" + file + "\n" + ModuleStore.sha256(original))
                .getBytes(StandardCharsets.UTF_8));
        Path dir = cacheDir.resolve("typescript").resolve(key);
        if (Files.isRegularFile(dir.resolve(file))) {
            return new Transpiled(dir.resolve(file), true, 0);
        }
        long started = System.nanoTime();
        Path tool;
        try {
            tool = TypeScriptTool.ensure(cacheDir);
        } catch (IOException e) {
            throw new InvalidInputException("cannot fetch the TypeScript stripper (npm " + TypeScriptTool.NPM_PACKAGE + "@"
                    + TypeScriptTool.VERSION + "): " + e.getMessage());
        }
        Path work = null;
        try {
            Files.createDirectories(dir.getParent());
            work = Files.createTempDirectory(dir.getParent(), ".work-");
            Path in = Files.createDirectories(work.resolve("in"));
            Path out = Files.createDirectories(work.resolve("out"));
            Files.copy(source, in.resolve(file));
            AttemptResult result = runner.runTool(Interpreter.JAVASCRIPT, quickJs.get(), tool,
                    JSON.writeValueAsString(Map.of("args", List.of(file))),
                    List.of(new Mount(in.toString(), "/in", true), new Mount(out.toString(), "/out", false)), LIMITS);
            if (!result.succeeded()) {
                throw new InvalidInputException(file + ": " + (result.message() == null ? result.errorType() : result.message()));
            }
            Path stripped = out.resolve(file);
            CacheDirectory.create(dir, target -> {
                Files.copy(stripped, target.resolve(file));
                for (String module : localModules) {
                    Path copy = target.resolve(module).normalize();
                    Files.createDirectories(copy.getParent());
                    Files.copy(sourceDir.resolve(module), copy);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot strip the types of " + file + " into " + dir, e);
        } finally {
            deleteQuietly(work);
        }
        return new Transpiled(dir.resolve(file), false, (System.nanoTime() - started) / 1_000_000);
    }

    private static void deleteQuietly(Path work) {
        if (work != null) {
            try {
                CacheDirectory.deleteTree(work);
            } catch (IOException ignored) {
                // a leftover work directory in the cache is harmless
            }
        }
    }
}
