package run.capsule.engine.programs;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import run.capsule.engine.spec.InvalidInputException;

/**
 * The modules beside a Python or JavaScript source that it imports, found by reading the import statements of the
 * source and, in turn, of every module found (docs/languages.md): paths relative to the source's directory, sorted,
 * without the source itself. Python: {@code import NAME} / {@code from NAME import ...} (anywhere in a file, also
 * inside functions) where {@code NAME.py} or a package directory {@code NAME/} lies beside the source; a package
 * brings all its {@code .py} files. JavaScript: relative specifiers ({@code "./x.js"}, {@code "../lib/y.mjs"}) of
 * static and dynamic imports and re-exports, and {@code "/app/..."} ones. Only regular files whose real path is
 * inside the source's directory count: a symlink is never followed, so nothing outside that directory is journaled;
 * an import that leads out is left for the runner to refuse.
 */
public final class LocalModules {
    static final int MAX_FILES = 2048;
    private static final Pattern PY_IMPORT = Pattern.compile("^\\s*import\\s+([\\w.]+(?:\\s+as\\s+\\w+)?(?:\\s*,\\s*[\\w.]+(?:\\s+as\\s+\\w+)?)*)",
            Pattern.MULTILINE);
    private static final Pattern PY_FROM = Pattern.compile("^\\s*from\\s+([\\w.]+)\\s+import\\b", Pattern.MULTILINE);
    private static final Pattern JS_SPECIFIER = Pattern.compile(
            "(?:\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\bimport\\s+)[\"']((?:\\.{1,2}|/app)/[^\"'\\n]+)[\"']");
    private static final String APP = "/app/";
    private static final String LIBRARY = "capsule";

    private LocalModules() {
    }

    public static List<String> of(Path source, String language) {
        Path file = source.toAbsolutePath().normalize();
        Path root = realPath(file.getParent());
        String entry = file.getFileName().toString();
        TreeSet<String> found = new TreeSet<>();
        Deque<String> toRead = new ArrayDeque<>(List.of(entry));
        while (!toRead.isEmpty()) {
            String current = toRead.pop();
            String text = text(root.resolve(current));
            if (current.endsWith("package.json")) {
                continue;
            }
            List<String> imported = "python".equals(language) ? python(root, text) : javaScript(root, current, text);
            for (String module : imported) {
                if (!module.equals(entry) && found.add(module)) {
                    if (found.size() > MAX_FILES) {
                        throw new InvalidInputException(entry + " imports more than " + MAX_FILES + " local modules");
                    }
                    toRead.push(module);
                }
            }
        }
        return List.copyOf(found);
    }

    /** The top-level names a Python text imports (the guest library's excepted). */
    static Set<String> pythonImports(String text) {
        TreeSet<String> tops = new TreeSet<>();
        for (String name : importedNames(text)) {
            String top = name.split("\\.")[0];
            if (!top.isEmpty() && !top.equals(LIBRARY)) {
                tops.add(top);
            }
        }
        return tops;
    }

    private static Set<String> importedNames(String text) {
        TreeSet<String> names = new TreeSet<>();
        Matcher from = PY_FROM.matcher(text);
        while (from.find()) {
            names.add(from.group(1));
        }
        Matcher imports = PY_IMPORT.matcher(text);
        while (imports.find()) {
            for (String part : imports.group(1).split(",")) {
                names.add(part.trim().split("\\s+")[0]);
            }
        }
        return names;
    }

    private static List<String> python(Path root, String text) {
        TreeSet<String> names = new TreeSet<>();
        Matcher from = PY_FROM.matcher(text);
        while (from.find()) {
            names.add(from.group(1));
        }
        Matcher imports = PY_IMPORT.matcher(text);
        while (imports.find()) {
            for (String part : imports.group(1).split(",")) {
                names.add(part.trim().split("\\s+")[0]);
            }
        }
        TreeSet<String> files = new TreeSet<>();
        for (String name : names) {
            String top = name.split("\\.")[0];
            if (top.isEmpty() || top.equals(LIBRARY)) {
                continue;
            }
            Path module = root.resolve(top + ".py");
            Path pkg = root.resolve(top);
            if (inside(root, module)) {
                files.add(top + ".py");
            } else if (Files.isDirectory(pkg, LinkOption.NOFOLLOW_LINKS)) {
                files.addAll(packageFiles(root, pkg));
            }
        }
        return List.copyOf(files);
    }

    static List<String> packageFiles(Path root, Path pkg) {
        try (Stream<Path> walk = Files.walk(pkg)) {
            return walk.filter(p -> p.getFileName().toString().endsWith(".py") && inside(root, p))
                    .filter(p -> !hidden(root.relativize(p)))
                    .map(p -> root.relativize(p).toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new InvalidInputException("cannot read the package " + pkg + ": " + e.getMessage());
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.startsWith(".") || name.equals("__pycache__")) {
                return true;
            }
        }
        return false;
    }

    private static List<String> javaScript(Path root, String current, String text) {
        TreeSet<String> files = new TreeSet<>();
        if (current.endsWith(".json")) {
            return List.of();
        }
        Path dir = root.resolve(current).getParent();
        Matcher m = JS_SPECIFIER.matcher(text);
        while (m.find()) {
            String specifier = m.group(1);
            Path target = (specifier.startsWith(APP) ? root.resolve(specifier.substring(APP.length())) : dir.resolve(specifier)).normalize();
            if (target.startsWith(root) && inside(root, target)) {
                files.add(root.relativize(target).toString());
            }
        }
        files.addAll(NpmImports.of(root, current, text));
        return List.copyOf(files);
    }

    /** Whether {@code file} is a regular file, not a symlink, whose real path is inside {@code root} (a real path). */
    static boolean inside(Path root, Path file) {
        try {
            return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && file.toRealPath().startsWith(root);
        } catch (IOException e) {
            return false;
        }
    }

    private static Path realPath(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new InvalidInputException(dir + " cannot be read: " + e.getMessage());
        }
    }

    static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new InvalidInputException(file.getFileName() + " is not UTF-8 text");
        } catch (IOException e) {
            throw new InvalidInputException(file + " cannot be read: " + e.getMessage());
        }
    }
}
