package run.capsule.runner.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves the imports of JavaScript sources to files of npm packages in the {@code node_modules} directories inside
 * a source's directory, the way Node does (docs/languages.md, npm packages): a bare name is looked up in
 * {@code node_modules} from the importing file's directory upwards (never above the source's directory); a package's
 * {@code exports} (conditions {@code import} or {@code require}, then {@code module} for imports, then {@code default})
 * win over its {@code main}; CommonJS paths are probed with {@code .js}, {@code .cjs}, {@code .mjs}, {@code .json} and
 * {@code /index.js}. A {@code .js} file is an ES module when its nearest {@code package.json} says
 * {@code "type": "module"}. Only regular files are found, never through a symlink. Shared by the engine (what to
 * journal) and the runner (what to load), so both see the same files.
 */
public final class NodePackages {
    /** Node's built-in modules: those Capsule provides are in {@link #PROVIDED}. */
    public static final Set<String> NODE_BUILTINS = Set.of("assert", "async_hooks", "buffer", "child_process", "cluster", "console",
            "constants", "crypto", "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "fs/promises", "http", "http2",
            "https", "inspector", "module", "net", "os", "path", "path/posix", "perf_hooks", "process", "punycode", "querystring",
            "readline", "repl", "stream", "string_decoder", "sys", "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm",
            "wasi", "worker_threads", "zlib");
    public static final Set<String> PROVIDED = Set.of("buffer", "fs", "fs/promises", "os", "path", "process");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PROBES = List.of("", ".js", ".cjs", ".mjs", ".json", "/index.js", "/index.cjs", "/index.json");

    /** Why an import cannot be served; the message names the package. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final Path root;

    /** {@code root}: the source's directory (real path). */
    public NodePackages(Path root) {
        this.root = root;
    }

    public static boolean isBare(String specifier) {
        return !specifier.isEmpty() && !specifier.startsWith(".") && !specifier.startsWith("/");
    }

    /** The built-in's name without {@code node:}, or null when {@code specifier} names none. */
    public static String builtin(String specifier) {
        String name = specifier.startsWith("node:") ? specifier.substring("node:".length()) : specifier;
        return NODE_BUILTINS.contains(name) ? name : null;
    }

    /**
     * The file (relative to the root) that {@code specifier} imported by {@code importer} (relative to the root) names,
     * for an {@code import} or, with {@code require}, a CommonJS {@code require}; empty when there is none.
     */
    public Optional<String> resolve(String importer, String specifier, boolean require) throws Refused {
        Path from = root.resolve(importer).normalize().getParent();
        if (!isBare(specifier)) {
            Path base = specifier.startsWith("/app/") ? root.resolve(specifier.substring("/app/".length())) : from.resolve(specifier);
            return probe(base.normalize());
        }
        String name = packageName(specifier);
        String subpath = specifier.substring(name.length());
        for (Path dir = from; dir != null && dir.startsWith(root); dir = dir.getParent()) {
            Path pkg = dir.resolve("node_modules").resolve(name).normalize();
            if (Files.isDirectory(pkg, LinkOption.NOFOLLOW_LINKS)) {
                refuseNative(name, pkg);
                return fromPackage(name, pkg, subpath, require);
            }
        }
        return Optional.empty();
    }

    /** Whether the file (relative to the root) is an ES module (else CommonJS, or JSON for {@code .json}). */
    public boolean isEsm(String file) {
        if (file.endsWith(".mjs")) {
            return true;
        }
        if (file.endsWith(".cjs") || file.endsWith(".json")) {
            return false;
        }
        Optional<String> manifest = packageJsonOf(file);
        return manifest.isPresent() && "module".equals(read(root.resolve(manifest.get())).path("type").asText());
    }

    /** The nearest {@code package.json} above a file inside {@code node_modules}, relative to the root. */
    public Optional<String> packageJsonOf(String file) {
        for (Path dir = root.resolve(file).normalize().getParent(); dir != null && dir.startsWith(root) && !dir.equals(root);
             dir = dir.getParent()) {
            Path manifest = dir.resolve("package.json");
            if (regularFile(manifest)) {
                return Optional.of(root.relativize(manifest).toString());
            }
            if (dir.getFileName().toString().equals("node_modules")) {
                break;
            }
        }
        return Optional.empty();
    }

    /** The package a file inside {@code node_modules} belongs to, for messages. */
    public static String packageOf(String file) {
        String path = file.replace('\\', '/');
        int at = path.lastIndexOf("node_modules/");
        if (at < 0) {
            return null;
        }
        String rest = path.substring(at + "node_modules/".length());
        String[] parts = rest.split("/");
        return parts[0].startsWith("@") && parts.length > 1 ? parts[0] + "/" + parts[1] : parts[0];
    }

    private static String packageName(String specifier) {
        String[] parts = specifier.split("/");
        return specifier.startsWith("@") && parts.length > 1 ? parts[0] + "/" + parts[1] : parts[0];
    }

    private void refuseNative(String name, Path pkg) throws Refused {
        JsonNode manifest = read(pkg.resolve("package.json"));
        if (regularFile(pkg.resolve("binding.gyp")) || manifest.path("gypfile").asBoolean(false)) {
            throw new Refused("package \"" + name + "\" is a native addon (it builds C/C++ code with node-gyp), which cannot run in the"
                    + " sandbox: only pure-JavaScript packages can be imported");
        }
    }

    private Optional<String> fromPackage(String name, Path pkg, String subpath, boolean require) throws Refused {
        JsonNode manifest = read(pkg.resolve("package.json"));
        JsonNode exports = manifest.get("exports");
        if (exports != null && !exports.isNull()) {
            String key = subpath.isEmpty() ? "." : "." + subpath;
            JsonNode target = exportTarget(exports, key);
            String file = target == null ? null : condition(target, require);
            if (file == null) {
                throw new Refused("package \"" + name + "\" does not export \"" + key + "\" for " + (require ? "require" : "import"));
            }
            return checked(name, pkg.resolve(file).normalize());
        }
        if (!subpath.isEmpty()) {
            return checked(name, probe(pkg.resolve(subpath.substring(1)).normalize()));
        }
        String main = manifest.path("main").asText("");
        Optional<String> found = main.isEmpty() ? Optional.empty() : probe(pkg.resolve(main).normalize());
        return checked(name, found.isPresent() ? found : probe(pkg.resolve("index.js")));
    }

    private Optional<String> checked(String name, Path file) throws Refused {
        return checked(name, regularFile(file) && file.startsWith(root) ? Optional.of(root.relativize(file).toString()) : Optional.empty());
    }

    private static Optional<String> checked(String name, Optional<String> file) throws Refused {
        if (file.isPresent() && file.get().endsWith(".node")) {
            throw new Refused("package \"" + name + "\" loads a native addon (" + file.get() + "), which cannot run in the sandbox");
        }
        return file;
    }

    private static JsonNode exportTarget(JsonNode exports, String key) {
        if (exports.isTextual() || exports.isArray() || exports.isObject() && !startsWithDot(exports)) {
            return key.equals(".") ? exports : null;
        }
        if (exports.has(key)) {
            return exports.get(key);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = exports.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            int star = entry.getKey().indexOf('*');
            if (star >= 0 && key.startsWith(entry.getKey().substring(0, star)) && key.endsWith(entry.getKey().substring(star + 1))) {
                String matched = key.substring(star, key.length() - (entry.getKey().length() - star - 1));
                return substitute(entry.getValue(), matched);
            }
        }
        return null;
    }

    private static JsonNode substitute(JsonNode target, String matched) {
        if (target.isTextual()) {
            return JSON.getNodeFactory().textNode(target.asText().replace("*", matched));
        }
        if (target.isObject()) {
            var copy = JSON.createObjectNode();
            target.fields().forEachRemaining(e -> copy.set(e.getKey(), substitute(e.getValue(), matched)));
            return copy;
        }
        return target;
    }

    private static boolean startsWithDot(JsonNode exports) {
        Iterator<String> names = exports.fieldNames();
        return names.hasNext() && names.next().startsWith(".");
    }

    private static String condition(JsonNode target, boolean require) {
        if (target.isTextual()) {
            return target.asText();
        }
        if (target.isArray()) {
            for (JsonNode option : target) {
                String found = condition(option, require);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        if (target.isObject()) {
            List<String> wanted = new ArrayList<>(require ? List.of("require") : List.of("import", "module"));
            wanted.add("default");
            for (Iterator<Map.Entry<String, JsonNode>> it = target.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (wanted.contains(entry.getKey())) {
                    String found = condition(entry.getValue(), require);
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return null;
    }

    private Optional<String> probe(Path base) {
        for (String suffix : PROBES) {
            Path file = Path.of(base + suffix);
            if (regularFile(file) && file.normalize().startsWith(root)) {
                return Optional.of(root.relativize(file.normalize()).toString());
            }
        }
        Path manifest = base.resolve("package.json");
        if (regularFile(manifest)) {
            String main = read(manifest).path("main").asText("");
            if (!main.isEmpty()) {
                Path file = base.resolve(main).normalize();
                for (String suffix : List.of("", ".js", "/index.js")) {
                    Path candidate = Path.of(file + suffix);
                    if (regularFile(candidate) && candidate.startsWith(root)) {
                        return Optional.of(root.relativize(candidate).toString());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean regularFile(Path file) {
        return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
    }

    private static JsonNode read(Path manifest) {
        try {
            return regularFile(manifest) ? JSON.readTree(manifest.toFile()) : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
