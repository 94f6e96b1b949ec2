package run.capsule.runner.guest;

import run.capsule.protocol.Program;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;

/**
 * What a JavaScript task may import: {@code "capsule"} (the guest library, a runner resource), Node's built-ins
 * {@code fs}, {@code fs/promises}, {@code path}, {@code os}, {@code process} and {@code buffer} (also with the
 * {@code node:} prefix; runner resources written on the guest library's host calls), its own source
 * file, which the guest sees as {@code /app/FILE}, and the {@code .js}/{@code .mjs} files beside it in the source
 * directory (by relative or {@code /app/} paths; the engine lays out there only the local modules journaled with
 * the source). Nothing else is loadable. The boot module that drives the task is a resource too; it is evaluated
 * directly, never imported.
 */
public final class JavaScriptModules {
    public static final String LIBRARY = "capsule";
    /** The package name of Capsule's own JavaScript SDK, imported as the same library. */
    static final String SDK_PACKAGE = "@capsule-run/sdk";
    public static final String BOOT_NAME = "capsule-boot";
    static final String APP_DIR = "/app";
    static final long MAX_SOURCE_BYTES = 4L * 1024 * 1024;
    private static final String LIBRARY_RESOURCE = "/guest/javascript/capsule.js";
    private static final String BOOT_RESOURCE = "/guest/javascript/boot.js";
    private static final byte[] LIBRARY_SOURCE = resource(LIBRARY_RESOURCE);
    private static final byte[] BOOT_SOURCE = resource(BOOT_RESOURCE);
    /** Node's built-ins the guest library provides, by their module name (importable with or without "node:"). */
    private static final Map<String, byte[]> NODE_BUILTINS = Map.of(
            "node:fs", resource("/guest/javascript/node/fs.js"),
            "node:fs/promises", resource("/guest/javascript/node/fs-promises.js"),
            "node:path", resource("/guest/javascript/node/path.js"),
            "node:os", resource("/guest/javascript/node/os.js"),
            "node:process", resource("/guest/javascript/node/process.js"),
            "node:buffer", resource("/guest/javascript/node/buffer.js"));

    private final String userModule;
    private final Path sourceFile;
    private final Path sourceDir;
    private NodePackages packages;

    /** A module name or source the guest may not have; the message is for the task's author. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    public JavaScriptModules(Program program) throws Refused {
        Path dir = Path.of(program.sourceDir());
        Path file = Path.of(program.file()).normalize();
        if (file.isAbsolute() || file.startsWith("..") || file.toString().isEmpty()) {
            throw new Refused("the task's file " + program.file() + " must be a path inside " + program.sourceDir());
        }
        this.sourceDir = dir.toAbsolutePath().normalize();
        this.sourceFile = dir.resolve(file);
        if (!Files.isRegularFile(sourceFile)) {
            throw new Refused("cannot read " + program.file() + ": no such file in " + program.sourceDir());
        }
        this.userModule = APP_DIR + "/" + file.toString().replace('\\', '/');
    }

    /** The guest's name for the task's own module, e.g. {@code /app/hello.js}. */
    public String userModule() {
        return userModule;
    }

    public static byte[] bootSource() {
        return BOOT_SOURCE.clone();
    }

    public static byte[] librarySource() {
        return LIBRARY_SOURCE.clone();
    }

    /** Resolves {@code specifier} as imported by module {@code base} to a loadable module name. */
    public String normalize(String base, String specifier) throws Refused {
        if (specifier.equals(LIBRARY) || specifier.equals(SDK_PACKAGE)) {
            return LIBRARY;
        }
        if (specifier.equals(SourceFacts.MODULE) || specifier.equals(SourceFacts.TEXT_MODULE)) {
            return specifier;
        }
        String builtin = specifier.startsWith("node:") ? specifier : "node:" + specifier;
        if (NODE_BUILTINS.containsKey(builtin)) {
            return builtin;
        }
        String inPackage = base.startsWith(APP_DIR + "/") ? NodePackages.packageOf(base) : null;
        if (NodePackages.builtin(specifier) != null) {
            throw new Refused("cannot import \"" + specifier + "\"" + (inPackage != null ? " (imported by package \"" + inPackage + "\")" : "")
                    + ": the sandbox has no Node \"" + NodePackages.builtin(specifier) + "\" module; it provides "
                    + String.join(", ", new TreeSet<>(NodePackages.PROVIDED)));
        }
        if (NodePackages.isBare(specifier) || inPackage != null) {
            String importer = base.startsWith(APP_DIR + "/") ? base.substring(APP_DIR.length() + 1) : userModule.substring(APP_DIR.length() + 1);
            Optional<String> file;
            try {
                file = packages().resolve(importer, specifier, false);
            } catch (NodePackages.Refused e) {
                throw new Refused("cannot import \"" + specifier + "\": " + e.getMessage());
            }
            if (file.isPresent() && localModule(APP_DIR + "/" + file.get()) != null) {
                return APP_DIR + "/" + file.get();
            }
            if (NodePackages.isBare(specifier)) {
                throw new Refused("cannot import \"" + specifier + "\": no such package in node_modules beside the source"
                        + (inPackage != null ? " (imported by package \"" + inPackage + "\")" : ""));
            }
        }
        if (specifier.startsWith("/") || specifier.startsWith("./") || specifier.startsWith("../")) {
            String from = base.startsWith("/") ? base.substring(0, base.lastIndexOf('/') + 1) : APP_DIR + "/";
            String resolved = specifier.startsWith("/") ? specifier : from + specifier;
            String normal = Path.of(resolved).normalize().toString().replace('\\', '/');
            if (normal.equals(userModule) || localModule(normal) != null) {
                return normal;
            }
        }
        throw new Refused("cannot import \"" + specifier + "\": a JavaScript task can import only \"" + LIBRARY
                + "\", Node's built-ins (" + String.join(", ", new TreeSet<>(NODE_BUILTINS.keySet()).stream()
                .map(n -> n.substring("node:".length())).toList()) + "), its own file (" + userModule.substring(APP_DIR.length() + 1) + ") and the .js or .mjs files beside it");
    }

    /** The host file of guest module {@code name} ({@code /app/...}) when it is a .js/.mjs file inside the source directory. */
    private Path localModule(String name) {
        boolean packaged = name.contains("/node_modules/");
        if (!name.startsWith(APP_DIR + "/") || !(name.endsWith(".js") || name.endsWith(".mjs")
                || packaged && (name.endsWith(".cjs") || name.endsWith(".json")))) {
            return null;
        }
        Path file = sourceDir.resolve(name.substring(APP_DIR.length() + 1)).normalize();
        try {
            if (file.startsWith(sourceDir) && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                    && file.toRealPath().startsWith(sourceDir.toRealPath())) {
                return file;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** The source of a module {@link #normalize} returned, as UTF-8. */
    public byte[] load(String name) throws Refused {
        if (name.equals(LIBRARY)) {
            return LIBRARY_SOURCE.clone();
        }
        if (NODE_BUILTINS.containsKey(name)) {
            return NODE_BUILTINS.get(name).clone();
        }
        if (name.equals(SourceFacts.MODULE)) {
            return SourceFacts.of(load(userModule)).module();
        }
        if (name.equals(SourceFacts.TEXT_MODULE)) {
            return SourceFacts.of(load(userModule)).textModule();
        }
        Path file = name.equals(userModule) ? sourceFile : localModule(name);
        if (file == null) {
            throw new Refused("cannot load module \"" + name + "\"");
        }
        try {
            if (Files.size(file) > MAX_SOURCE_BYTES) {
                throw new Refused(name + " is larger than " + MAX_SOURCE_BYTES / (1024 * 1024) + " MiB");
            }
            byte[] bytes = Files.readAllBytes(file);
            String relative = name.substring(APP_DIR.length() + 1);
            if (!name.contains("/node_modules/") || packages().isEsm(relative)) {
                return bytes;
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (name.endsWith(".json")) {
                return CommonJsModule.json(text).getBytes(StandardCharsets.UTF_8);
            }
            return CommonJsModule.wrap(name, text, requires(relative, text)).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Refused("cannot read " + name + ": " + e.getMessage());
        }
    }

    /** What each {@code require("...")} of a CommonJS file loads as; one that resolves to nothing fails when it runs. */
    private Map<String, String> requires(String relative, String text) {
        Map<String, String> resolved = new LinkedHashMap<>();
        Matcher m = CommonJsModule.REQUIRE.matcher(text);
        while (m.find()) {
            String specifier = m.group(2);
            String builtin = NodePackages.builtin(specifier);
            if (builtin != null) {
                if (NodePackages.PROVIDED.contains(builtin)) {
                    resolved.put(specifier, "node:" + builtin);
                }
                continue;
            }
            try {
                packages().resolve(relative, specifier, true)
                        .filter(file -> localModule(APP_DIR + "/" + file) != null)
                        .ifPresent(file -> resolved.put(specifier, APP_DIR + "/" + file));
            } catch (NodePackages.Refused e) {
                // the require fails when it runs, with the generic message
            }
        }
        return resolved;
    }

    private NodePackages packages() {
        if (packages == null) {
            try {
                packages = new NodePackages(sourceDir.toRealPath());
            } catch (IOException e) {
                packages = new NodePackages(sourceDir);
            }
        }
        return packages;
    }

    private static byte[] resource(String name) {
        try (InputStream in = JavaScriptModules.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the runner");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
