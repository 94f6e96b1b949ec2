package run.capsule.runner.guest;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The TypeScript stripper that runs inside the sandbox (docs/languages.md, TypeScript): Sucrase's ES-module build from
 * npm, fetched by package name and pinned version and checked against the tarball's sha-256 like the interpreters,
 * laid out once in the cache with a small task ({@code transpile.js}) that QuickJS runs. Sucrase's relative imports
 * have no extension, which the sandbox's loader does not guess, so they get {@code .js} (or {@code /index.js}); its
 * three helper packages, used only to validate options, print tokens and make source maps, are replaced by stubs.
 */
public final class TypeScriptTool {
    public static final String NPM_PACKAGE = "sucrase";
    public static final String VERSION = "3.35.1";
    public static final String TARBALL_SHA256 = "fa555afbe97fb4f4866084a8838cb66ff520aa1adcd211269b2708afda4bc9bf";
    public static final String ENTRY = "transpile.js";
    private static final String RESOURCES = "/guest/typescript/";
    private static final Map<String, String> STUBS = Map.of(
            "ts-interface-checker", "stub-ts-interface-checker.js",
            "lines-and-columns", "stub-lines-and-columns.js",
            "@jridgewell/gen-mapping", "stub-gen-mapping.js");
    private static final Pattern SPECIFIER = Pattern.compile("(\\b(?:from|import)\\s*)\"([^\"\\n]+)\"");

    private TypeScriptTool() {
    }

    /** Names the tool and the runner's own files of it, so a change to either lays it out anew. */
    public static String version() {
        StringBuilder text = new StringBuilder(NPM_PACKAGE + "@" + VERSION + "\n");
        text.append(new String(resource(ENTRY), StandardCharsets.UTF_8));
        STUBS.values().stream().sorted().forEach(stub -> text.append(new String(resource(stub), StandardCharsets.UTF_8)));
        return NPM_PACKAGE + "-" + VERSION + "-" + Interpreters.sha256(text.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 12);
    }

    public static Path dir(Path cacheDir) {
        return cacheDir.resolve("tools").resolve(version());
    }

    /** The tool's task file ({@link #ENTRY}), fetched and laid out first if it is not in the cache. */
    public static synchronized Path ensure(Path cacheDir) throws IOException {
        Path dir = dir(cacheDir);
        CacheDirectory.create(dir, TypeScriptTool::layOut);
        return dir.resolve(ENTRY);
    }

    private static void layOut(Path dir) throws IOException {
        String base = NPM_PACKAGE + "/-/" + NPM_PACKAGE + "-" + VERSION + ".tgz";
        URI uri = URI.create(Interpreters.registry() + "/" + base);
        byte[] tarball = Interpreters.download(uri);
        String digest = Interpreters.sha256(tarball);
        if (!digest.equals(TARBALL_SHA256)) {
            throw new IOException(uri + " has sha-256 " + digest + ", expected " + TARBALL_SHA256 + "; refusing it");
        }
        Map<String, byte[]> files = Interpreters.extractAll(tarball, "package/dist/esm/");
        if (!files.containsKey("index.js")) {
            throw new IOException(uri + " holds no package/dist/esm/index.js");
        }
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            if (!file.getKey().endsWith(".js") || List.of("cli.js", "register.js").contains(file.getKey())) {
                continue;
            }
            Path target = dir.resolve("sucrase").resolve(file.getKey()).normalize();
            if (!target.startsWith(dir)) {
                throw new IOException("the tarball's " + file.getKey() + " leads outside the tool directory");
            }
            Files.createDirectories(target.getParent());
            Files.writeString(target, rewriteImports(file.getKey(), new String(file.getValue(), StandardCharsets.UTF_8), files));
        }
        Files.createDirectories(dir.resolve("deps"));
        for (String stub : STUBS.values()) {
            Files.write(dir.resolve("deps").resolve(stub), resource(stub));
        }
        Files.write(dir.resolve(ENTRY), resource(ENTRY));
    }

    static String rewriteImports(String path, String code, Map<String, byte[]> files) {
        String folder = path.contains("/") ? path.substring(0, path.lastIndexOf('/') + 1) : "";
        String up = "../".repeat((int) path.chars().filter(c -> c == '/').count() + 1);
        Matcher m = SPECIFIER.matcher(code);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String specifier = m.group(2);
            String replacement = specifier;
            if (STUBS.containsKey(specifier)) {
                replacement = up + "deps/" + STUBS.get(specifier);
            } else if (specifier.startsWith("./") || specifier.startsWith("../")) {
                String target = Path.of(folder + specifier).normalize().toString().replace('\\', '/');
                if (files.containsKey(target + ".js")) {
                    replacement = specifier + ".js";
                } else if (files.containsKey(target + "/index.js")) {
                    replacement = specifier + "/index.js";
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + "\"" + replacement + "\""));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static byte[] resource(String name) {
        try (InputStream in = TypeScriptTool.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCES + name + " is missing from the runner");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + RESOURCES + name, e);
        }
    }
}
