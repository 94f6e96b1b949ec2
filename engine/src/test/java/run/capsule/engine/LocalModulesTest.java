package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import run.capsule.engine.programs.LocalModules;
import run.capsule.engine.programs.Programs;
import run.capsule.engine.programs.SourceBundle;
import run.capsule.engine.spec.InvalidInputException;

/** Which files beside a source are journaled with it, and the bundle they are journaled as. */
class LocalModulesTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    @Test
    void pythonFindsModulesAndPackagesBesideTheSourceTransitively() throws Exception {
        Path main = write("main.py", """
                import json, os.path as p
                from capsule import task
                from tools import shout
                import pkg.inner

                @task(name="main")
                def main():
                    import lazy
                    return shout("x")
                """);
        write("tools.py", "from helpers import h\n");
        write("helpers.py", "X = 1\n");
        write("lazy.py", "Y = 2\n");
        write("pkg/__init__.py", "from .inner import f\n");
        write("pkg/inner.py", "def f(): pass\n");
        write("pkg/sub/deeper.py", "Z = 3\n");
        write("pkg/__pycache__/inner.cpython-312.pyc", "not source");
        write("unrelated.py", "never imported\n");
        write("capsule.py", "shadowing the library\n");

        assertThat(LocalModules.of(main, "python"))
                .containsExactly("helpers.py", "lazy.py", "pkg/__init__.py", "pkg/inner.py", "pkg/sub/deeper.py", "tools.py");
    }

    @Test
    void aPythonSourceWithoutLocalImportsHasNone() throws Exception {
        Path main = write("hello.py", "import json\nfrom capsule import task\n\n@task(name=\"main\")\ndef main():\n    return 1\n");
        write("other.py", "x = 1\n");

        assertThat(LocalModules.of(main, "python")).isEmpty();
    }

    @Test
    void javaScriptFollowsRelativeAndAppImportsButNotOnesLeadingOut() throws Exception {
        Path main = write("app/main.js", """
                import { task } from "capsule";
                import { a } from "./lib/a.js";
                export { b } from './b.mjs';
                const lazy = () => import("./lazy.js");
                import "./side.js";
                import { d } from "/app/lib/d.js";
                // import { x } from "../outside.js";
                """);
        write("app/lib/d.js", "export const d = 5;\n");
        write("outside.js", "export const x = 1;\n");
        write("app/lib/a.js", "import { c } from \"../c.js\";\nexport const a = c;\n");
        write("app/c.js", "export const c = 1;\n");
        write("app/b.mjs", "export const b = 2;\n");
        write("app/lazy.js", "export const l = 3;\n");
        write("app/side.js", "globalThis.side = 1;\n");
        write("app/unused.js", "export const u = 4;\n");

        assertThat(LocalModules.of(main, "javascript")).containsExactly("b.mjs", "c.js", "lazy.js", "lib/a.js", "lib/d.js", "side.js");
    }

    @Test
    void symlinksAreNeverFollowedSoNothingOutsideTheDirectoryIsJournaled() throws Exception {
        Path secret = write("outside/secret.py", "TOKEN = 'host secret'\n");
        write("outside/pkg/mod.py", "X = 1\n");
        Path main = write("app/main.py", "import secret\nimport linked\nfrom tools import t\n");
        write("app/tools.py", "T = 1\n");
        Files.createSymbolicLink(dir.resolve("app/secret.py"), secret);
        Files.createSymbolicLink(dir.resolve("app/linked"), dir.resolve("outside/pkg"));
        Path js = write("app/main.js", "import { s } from \"./secret.js\";\n");
        Files.createSymbolicLink(dir.resolve("app/secret.js"), write("outside/secret.js", "export const s = 1;\n"));

        assertThat(LocalModules.of(main, "python")).containsExactly("tools.py");
        assertThat(LocalModules.of(js, "javascript")).isEmpty();
        assertThatThrownBy(() -> SourceBundle.pack(dir.resolve("app"), "main.py", List.of("secret.py"), 1 << 20))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("symlinks are not followed");
        assertThatThrownBy(() -> SourceBundle.pack(dir.resolve("app"), "main.py", List.of("../outside/secret.py"), 1 << 20))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("is not a path inside");
    }

    @Test
    void theBundleIsTheSameBytesForTheSameFilesAndUnpacksThem() throws Exception {
        write("main.py", "import tools\n");
        write("tools.py", "X = 1\n");
        write("pkg/a.py", "A = 1\n");
        byte[] first = SourceBundle.pack(dir, "main.py", List.of("tools.py", "pkg/a.py"), 1 << 20);
        Files.setLastModifiedTime(dir.resolve("tools.py"), java.nio.file.attribute.FileTime.fromMillis(0));
        byte[] second = SourceBundle.pack(dir, "main.py", List.of("pkg/a.py", "tools.py"), 1 << 20);
        assertThat(second).isEqualTo(first);

        Path out = dir.resolve("out");
        SourceBundle.unpack(first, out);
        assertThat(out.resolve("main.py")).hasContent("import tools");
        assertThat(out.resolve("tools.py")).hasContent("X = 1");
        assertThat(out.resolve("pkg/a.py")).hasContent("A = 1");

        write("tools.py", "X = 2\n");
        assertThat(SourceBundle.pack(dir, "main.py", List.of("tools.py", "pkg/a.py"), 1 << 20)).isNotEqualTo(first);
        assertThatThrownBy(() -> SourceBundle.pack(dir, "main.py", List.of("tools.py", "pkg/a.py"), 10))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("larger than");
    }

    @Test
    void concurrentLayoutsOfOneBundleAllSucceed() throws Exception {
        write("src/main.py", "import tools\n");
        write("src/tools.py", "X = 1\n");
        byte[] bundle = SourceBundle.pack(dir.resolve("src"), "main.py", List.of("tools.py"), 1 << 20);
        Programs programs = new Programs(dir.resolve("cache"), null);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            for (int round = 0; round < 20; round++) {
                String sha = "bundle" + round;
                List<java.util.concurrent.Future<Path>> laid = new java.util.ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    laid.add(threads.submit(() -> programs.sourceFile(sha, "main.py", bundle, List.of("tools.py"))));
                }
                for (java.util.concurrent.Future<Path> f : laid) {
                    Path main = f.get();
                    assertThat(main).hasContent("import tools");
                    assertThat(main.resolveSibling("tools.py")).hasContent("X = 1");
                }
            }
        } finally {
            threads.shutdownNow();
        }
        try (java.util.stream.Stream<Path> left = Files.list(dir.resolve("cache/sources"))) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no unpacking directories are left").allMatch(n -> n.startsWith("bundle"));
        }
    }
}
