package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.engine.spec.JobPolicy;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #18 item 3 (Python): pure-Python packages from a directory the operator names are journaled with the source,
 * so a run keeps its package code whatever the directory holds later; a package with a C extension is refused by name.
 * On the old code the import failed in the sandbox (ModuleNotFoundError).
 */
class PythonPathTest {
    @RegisterExtension
    static final EngineNode node = EngineNode.withRunners(1);
    private static final JobPolicy TRUSTING = JobPolicy.builder().trustDeclared(true).build();

    private static Path site(String name) throws Exception {
        Path site = Files.createDirectories(node.dir().resolve(name));
        Path pkg = Files.createDirectories(site.resolve("greeting"));
        Files.writeString(pkg.resolve("__init__.py"), "from greeting.words import hello\nimport textcase\n");
        Files.writeString(pkg.resolve("words.py"), "import textcase\n\ndef hello(who):\n    return textcase.title('hello ' + who)\n");
        Files.writeString(site.resolve("textcase.py"), "def title(s):\n    return s.title()\n");
        Files.writeString(site.resolve("unused.py"), "raise ImportError('never imported')\n");
        return site;
    }

    @Test
    void aTaskImportsAPurePythonPackageFromANamedDirectoryAndItIsJournaled() throws Exception {
        Path site = site("site");
        Path source = node.source("greet.py", """
                import os
                from capsule import task
                import greeting

                @task(name="main", max_retries=1, allowed_files=["./site::/site"])
                def main(who):
                    if not os.path.exists("/site/.first-attempt"):
                        open("/site/.first-attempt", "w").write("x")
                        open("/site/textcase.py", "w").write("def title(s):\\n    return 'CHANGED'\\n")
                        raise RuntimeError("fail once, after changing the package on disk")
                    return greeting.hello(who)
                """);

        TaskResult result = node.capsule().run(TaskSpec.builder(source).args(List.of("ada")).pythonPath(List.of(site)).policy(TRUSTING).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.execution().retries()).as("the retry replayed the journaled package").isEqualTo(1);
        assertThat(result.result().asText()).isEqualTo("Hello Ada");
        assertThat(site.resolve("textcase.py")).content().contains("CHANGED");
        TaskResult fresh = node.capsule().run(TaskSpec.builder(source).args(List.of("ada")).pythonPath(List.of(site)).policy(TRUSTING).build());
        assertThat(fresh.result().asText()).as("a new run journals the package as it is now").isEqualTo("CHANGED");

        TaskResult without = node.capsule().run(TaskSpec.builder(source).args(List.of("ada")).policy(TRUSTING).build());
        assertThat(without.success()).isFalse();
        assertThat(without.error().message()).contains("greeting");
    }

    @Test
    void aPackageWithACExtensionIsRefusedByName() throws Exception {
        Path site = site("site-native");
        Path fast = Files.createDirectories(site.resolve("fastjson"));
        Files.writeString(fast.resolve("__init__.py"), "from fastjson._speedups import dumps\n");
        Files.write(fast.resolve("_speedups.cpython-312-x86_64-linux-gnu.so"), new byte[] {0x7f, 'E', 'L', 'F'});
        Path source = node.source("native.py", """
                from capsule import task
                import fastjson

                @task(name="main")
                def main():
                    return fastjson.dumps({})
                """);

        TaskResult result = node.capsule().run(TaskSpec.builder(source).pythonPath(List.of(site)).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains("'fastjson'").contains("C extensions").contains("_speedups.cpython-312");
    }
}
