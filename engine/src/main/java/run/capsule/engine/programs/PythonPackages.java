package run.capsule.engine.programs;

import run.capsule.engine.spec.InvalidInputException;
import run.capsule.runner.guest.CacheDirectory;
import run.capsule.store.ModuleStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Pure-Python packages a Python source imports from directories the operator names ({@code --python-path}, {@code [tasks]
 * python_path}; docs/languages.md, Python packages). The packages it reaches (its imports, theirs in turn) are copied
 * with the source and its local modules into a cache directory named by the digest of all their files; that copy then
 * stands in for the source, so the packages are journaled in its bundle and imported from beside it (/app). A package
 * holding a compiled extension ({@code .so}, {@code .pyd}) is refused by name.
 */
final class PythonPackages {
    private final Path cacheDir;

    PythonPackages(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    /** The stand-in for {@code source} with the packages it imports from {@code pythonPath}; empty when it imports none. */
    Optional<Path> layOut(Path source, List<String> localModules, List<Path> pythonPath) {
        Path root = source.toAbsolutePath().normalize().getParent();
        List<Path> dirs = pythonPath.stream().map(PythonPackages::realDirectory).toList();
        Map<String, Path> packages = new LinkedHashMap<>();
        Deque<Path> toRead = new ArrayDeque<>();
        toRead.add(source);
        localModules.forEach(m -> toRead.add(root.resolve(m)));
        while (!toRead.isEmpty()) {
            for (String top : LocalModules.pythonImports(LocalModules.text(toRead.pop()))) {
                if (packages.containsKey(top) || Files.exists(root.resolve(top + ".py")) || Files.isDirectory(root.resolve(top))) {
                    continue;
                }
                find(top, dirs).ifPresent(found -> {
                    packages.put(top, found);
                    files(found).forEach(toRead::add);
                });
            }
        }
        if (packages.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder digest = new StringBuilder(ModuleStore.sha256(Programs.sourceBytes(source, localModules)));
        for (Map.Entry<String, Path> pkg : packages.entrySet()) {
            for (Path file : files(pkg.getValue())) {
                digest.append('\n').append(relative(pkg.getValue(), file)).append(' ').append(ModuleStore.sha256(read(file)));
            }
        }
        Path dir = cacheDir.resolve("python-path").resolve(ModuleStore.sha256(digest.toString().getBytes(StandardCharsets.UTF_8)));
        try {
            CacheDirectory.create(dir, target -> {
                Files.copy(source, target.resolve(source.getFileName().toString()));
                for (String module : localModules) {
                    copy(root.resolve(module), target.resolve(module));
                }
                for (Path pkg : packages.values()) {
                    for (Path file : files(pkg)) {
                        copy(file, target.resolve(relative(pkg, file)));
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out " + source.getFileName() + " with its Python packages in " + dir, e);
        }
        return Optional.of(dir.resolve(source.getFileName().toString()));
    }

    /** {@code NAME.py} or the package directory {@code NAME/} in the first directory of the path that has it. */
    private static Optional<Path> find(String top, List<Path> pythonPath) {
        for (Path dir : pythonPath) {
            Path module = dir.resolve(top + ".py");
            Path pkg = dir.resolve(top);
            if (Files.isRegularFile(module, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(module);
            }
            if (Files.isDirectory(pkg, LinkOption.NOFOLLOW_LINKS)) {
                refuseExtensions(top, dir, pkg);
                return Optional.of(pkg);
            }
            try (Stream<Path> entries = Files.list(dir)) {
                Optional<Path> extension = entries.filter(p -> isExtension(p) && p.getFileName().toString().startsWith(top + ".")).findFirst();
                if (extension.isPresent()) {
                    throw new InvalidInputException("the Python module '" + top + "' in " + dir + " is a C extension ("
                            + extension.get().getFileName() + "), which cannot run in the sandbox: only pure-Python packages can be imported");
                }
            } catch (IOException e) {
                throw new InvalidInputException("cannot read the Python path directory " + dir + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    private static void refuseExtensions(String top, Path dir, Path pkg) {
        try (Stream<Path> walk = Files.walk(pkg)) {
            Optional<Path> extension = walk.filter(PythonPackages::isExtension).findFirst();
            if (extension.isPresent()) {
                throw new InvalidInputException("the Python package '" + top + "' in " + dir + " has C extensions (" + dir.relativize(extension.get())
                        + "), which cannot run in the sandbox: only pure-Python packages can be imported");
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot read the Python package " + pkg + ": " + e.getMessage());
        }
    }

    private static Path realDirectory(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new InvalidInputException("the Python path directory " + dir + " does not exist");
        }
    }

    private static boolean isExtension(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".so") || name.endsWith(".pyd") || name.endsWith(".dylib");
    }

    /** The .py files of a package (or the module itself), without hidden directories and __pycache__. */
    private static List<Path> files(Path found) {
        if (Files.isRegularFile(found)) {
            return List.of(found);
        }
        return LocalModules.packageFiles(found.getParent(), found).stream().map(found.getParent()::resolve).toList();
    }

    private static String relative(Path found, Path file) {
        return found.getParent().relativize(file).toString();
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException(file + " cannot be read: " + e.getMessage());
        }
    }
}
