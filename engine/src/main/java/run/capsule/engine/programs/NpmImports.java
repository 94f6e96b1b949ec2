package run.capsule.engine.programs;

import run.capsule.engine.spec.InvalidInputException;
import run.capsule.runner.guest.NodePackages;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of npm packages a JavaScript file imports from {@code node_modules} beside the source, resolved as the
 * runner will load them ({@link NodePackages}), with the {@code package.json} files that decide how: journaled with
 * the source so every attempt and replay runs the same package code (docs/languages.md, npm packages). Refuses, naming
 * the package, a native addon and a package that needs a Node module the sandbox does not provide.
 */
final class NpmImports {
    private static final Pattern IMPORT = Pattern.compile("(?:\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\bimport\\s+)[\"']([^\"'\\n]+)[\"']");
    private static final Pattern REQUIRE = Pattern.compile("\\brequire\\s*\\(\\s*(['\"])([^'\"\\n]+)\\1\\s*\\)");
    private static final Set<String> GUEST_LIBRARY = Set.of("capsule", "@capsule-run/sdk", "capsule:source", "capsule:source-text");

    private NpmImports() {
    }

    static List<String> of(Path root, String current, String text) {
        NodePackages packages = new NodePackages(root);
        String inPackage = NodePackages.packageOf(current);
        TreeSet<String> files = new TreeSet<>();
        boolean commonJs = inPackage != null && !packages.isEsm(current);
        Matcher imports = (commonJs ? REQUIRE : IMPORT).matcher(text);
        while (imports.find()) {
            String specifier = imports.group(commonJs ? 2 : 1);
            if (GUEST_LIBRARY.contains(specifier)) {
                continue;
            }
            String builtin = NodePackages.builtin(specifier);
            if (builtin != null) {
                if (inPackage != null && !NodePackages.PROVIDED.contains(builtin)) {
                    throw new InvalidInputException("package \"" + inPackage + "\" needs Node's \"" + builtin + "\" module (" + current
                            + "), which the sandbox does not have; it provides " + String.join(", ", new TreeSet<>(NodePackages.PROVIDED)));
                }
                continue;
            }
            if (!NodePackages.isBare(specifier) && inPackage == null) {
                continue;
            }
            Optional<String> file;
            try {
                file = packages.resolve(current, specifier, commonJs);
            } catch (NodePackages.Refused e) {
                throw new InvalidInputException("cannot import \"" + specifier + "\" (" + current + "): " + e.getMessage());
            }
            if (file.isEmpty() || !LocalModules.inside(root, root.resolve(file.get()))) {
                if (NodePackages.isBare(specifier)) {
                    throw new InvalidInputException(current + " imports \"" + specifier + "\", which is not in node_modules beside the source");
                }
                continue;
            }
            files.add(file.get());
            packages.packageJsonOf(file.get()).ifPresent(files::add);
            String pkg = NodePackages.packageOf(file.get());
            if (pkg != null) {
                String manifest = file.get().substring(0, file.get().lastIndexOf("node_modules/") + "node_modules/".length()) + pkg + "/package.json";
                if (LocalModules.inside(root, root.resolve(manifest))) {
                    files.add(manifest);
                }
            }
        }
        return List.copyOf(files);
    }
}
