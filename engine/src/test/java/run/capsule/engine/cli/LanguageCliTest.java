package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** `capsule build`, `run`, `history --tree` for Python sources, in-process against an H2 journal in a fresh directory. */
class LanguageCliTest {

    @TempDir
    Path workDir;

    private CliOutcome capsule(Map<String, String> env, String... args) {
        return CliOutcome.run(workDir, env, args);
    }

    @Test
    void buildDescribesOnceAndRunUsesItsWork() throws Exception {
        Files.writeString(workDir.resolve("greet.py"), "# " + UUID.randomUUID() + "\nimport capsule\nfrom capsule import task\n\n"
                + "@task(name='shout', compute='LOW')\ndef shout(word, times=1):\n    return (word.upper() + '!') * times\n\n"
                + "@task(name='main', env_variables=['GREETING'])\ndef main(who):\n"
                + "    import os\n    child = shout(who, times=2)\n"
                + "    return {'greeting': os.environ['GREETING'] + ', ' + child['result'], 'unknown': _unknown()}\n\n"
                + "def _unknown():\n    try:\n        capsule.call('shuot', 'x')\n    except capsule.TaskCallError as e:\n        return str(e)\n");
        Map<String, String> env = Map.of("GREETING", "Hi");

        CliOutcome first = capsule(env, "build", "greet.py", "--json");
        CliOutcome second = capsule(env, "build", "greet.py", "--json");
        CliOutcome run = capsule(env, "run", "--json", "--env", "GREETING", "greet.py", "ada");

        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.json().get("cached").asBoolean()).isFalse();
        assertThat(first.json().get("tasks").toString()).isEqualTo("[\"main\",\"shout\"]");
        assertThat(second.json().get("cached").asBoolean()).isTrue();
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode result = run.json().get("result");
        assertThat(result.get("greeting").asText()).isEqualTo("Hi, ADA!ADA!");
        assertThat(result.get("unknown").asText()).contains("shuot").contains("main").contains("shout");

        String id = run.json().get("execution").get("task_id").asText();
        CliOutcome history = capsule(env, "history", id, "--tree");
        assertThat(history.exitCode()).isZero();
        assertThat(history.out()).contains("STEP").contains("child").contains("live in attempt 1")
                .contains("tree").contains("└─ shout  SUCCEEDED");
    }

    @Test
    void buildRewritesTheInterpreterForEveryMemoryCapTheTasksDeclare() throws Exception {
        int pages = 600 + new java.util.Random().nextInt(400);
        Files.writeString(workDir.resolve("capped.py"), "from capsule import task\n\n"
                + "@task(name='main', ram='" + pages * 64 + "KB')\ndef main():\n    return 1\n");
        Path rewritten = run.capsule.runner.NativeLibrary.defaultCacheDir().resolve("instrumented")
                .resolve(run.capsule.runner.guest.Interpreter.PYTHON.moduleSha256() + "-r2-p" + pages + ".wasm");
        Files.deleteIfExists(rewritten);

        CliOutcome build = capsule(Map.of(), "build", "capped.py");

        assertThat(build.exitCode()).as(build.err()).isZero();
        assertThat(rewritten).as("the interpreter rewritten for main's %d pages", pages).isRegularFile();
        assertThat(capsule(Map.of(), "run", "capped.py").out().strip()).isEqualTo("1");
    }

    @Test
    void aSourceThatCannotLoadIsOneLineAndNothingIsJournaled() throws Exception {
        Files.writeString(workDir.resolve("heavy.py"), "import numpy\nfrom capsule import task\n\n@task(name='main')\ndef main():\n    return 1\n");

        CliOutcome run = capsule(Map.of(), "run", "heavy.py");
        CliOutcome build = capsule(Map.of(), "build", "heavy.py");
        CliOutcome history = capsule(Map.of(), "history");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).startsWith("capsule: heavy.py:").contains("numpy").contains("pure-Python");
        assertThat(build.exitCode()).isEqualTo(1);
        assertThat(build.err()).contains("numpy");
        assertThat(history.out()).contains("no tasks yet");
    }

    /** Issue #18 item 1: build and run accept a TypeScript source; build reports the transpile, then that it is cached. */
    @Test
    void aTypeScriptSourceIsBuiltAndRunAndTheBuildReportsTheTranspile() throws Exception {
        Files.writeString(workDir.resolve("typed.ts"), "import { task } from \"capsule\";\n"
                + "export const main = task({ name: \"main\" }, (who: string): string => `hello ${who as string}`);\n");

        CliOutcome first = capsule(Map.of(), "build", "typed.ts", "--json");
        CliOutcome second = capsule(Map.of(), "build", "typed.ts");
        CliOutcome run = capsule(Map.of(), "run", "typed.ts", "ts");

        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.json().get("language").asText()).isEqualTo("javascript");
        assertThat(first.json().at("/typescript/stripper").asText()).isEqualTo("sucrase@3.35.1");
        assertThat(second.out()).contains("is already built").contains("TypeScript types stripped by sucrase@3.35.1 (cached)");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().strip()).isEqualTo("hello ts");
    }

    /** Issue #18 item 3: --python-path and capsule.toml's [tasks] python_path name directories of pure-Python packages. */
    @Test
    void pythonPackagesComeFromTheFlagOrTheProjectKey() throws Exception {
        Files.createDirectories(workDir.resolve("vendor/shapes"));
        Files.writeString(workDir.resolve("vendor/shapes/__init__.py"), "def area(w, h):\n    return int(w) * int(h)\n");
        Files.writeString(workDir.resolve("area.py"), "from capsule import task\nimport shapes\n\n"
                + "@task(name='main')\ndef main(w, h):\n    return shapes.area(w, h)\n");

        CliOutcome flag = capsule(Map.of(), "run", "--python-path", "vendor", "area.py", "3", "4");
        CliOutcome missing = capsule(Map.of(), "run", "area.py", "3", "4");
        Files.writeString(workDir.resolve("capsule.toml"), "[tasks]\npython_path = \"vendor\"\n");
        CliOutcome build = capsule(Map.of(), "build", "area.py");
        CliOutcome project = capsule(Map.of(), "run", "area.py", "5", "6");
        Files.delete(workDir.resolve("capsule.toml"));

        assertThat(flag.exitCode()).as(flag.err()).isZero();
        assertThat(flag.out().strip()).isEqualTo("12");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(build.exitCode()).as(build.err()).isZero();
        assertThat(project.exitCode()).as(project.err()).isZero();
        assertThat(project.out().strip()).isEqualTo("30");
    }
}
