package run.capsule.runner.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Program;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Python tasks on real CPython: describing and running a source file, and how failures are reported. */
class PythonTasksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HELLO = """
            from capsule import task

            @task(name="main", compute="LOW", ram="64MB", timeout="30s", max_retries=1)
            def main(*args):
                return {"hello": args[0] if args else "world"}

            @task
            def helper(x, y=2):
                return x * y
            """;

    @TempDir
    static Path work;
    static PythonGuest guest;

    @BeforeAll
    static void start() throws Exception {
        guest = PythonGuest.start(work);
    }

    @AfterAll
    static void stop() {
        if (guest != null) {
            guest.close();
        }
    }

    @Test
    void describingListsTheTasksWithTheOptionsGiven() throws Exception {
        AttemptResult result = guest.run(guest.attempt(guest.source("hello.py", HELLO), "hello.py", Program.DESCRIBE));

        assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
        JsonNode tasks = JSON.readTree(result.value()).get("tasks");
        assertThat(tasks.get("main")).isEqualTo(JSON.readTree(
                "{\"name\":\"main\",\"compute\":\"LOW\",\"ram\":\"64MB\",\"timeout\":\"30s\",\"max_retries\":1}"));
        assertThat(tasks.get("helper")).isEqualTo(JSON.readTree("{\"name\":\"helper\"}"));
    }

    @Test
    void runningReturnsTheTasksValue() throws Exception {
        Path dir = guest.source("hello.py", HELLO);
        AttemptResult main = guest.run(guest.attempt(dir, "hello.py", Program.RUN).task("main", "{\"args\":[\"capsule\"],\"kwargs\":{}}"));
        AttemptResult helper = guest.run(guest.attempt(dir, "hello.py", Program.RUN).task("helper", "{\"args\":[21],\"kwargs\":{\"y\":2}}"));

        assertThat(main.succeeded()).as(PythonGuest.why(main)).isTrue();
        assertThat(main.exitCode()).isZero();
        assertThat(JSON.readTree(main.value())).isEqualTo(JSON.readTree("{\"hello\":\"capsule\"}"));
        assertThat(helper.succeeded()).as(PythonGuest.why(helper)).isTrue();
        assertThat(helper.value()).isEqualTo("42");
    }

    @Test
    void asyncioRunsOnTheSandboxesEventLoop() throws Exception {
        String code = """
                import asyncio, time
                from capsule import task

                async def tick(name, delay, out):
                    await asyncio.sleep(delay)
                    out.append(name)
                    return name

                @task(name="main")
                async def main():
                    out = []
                    started = time.monotonic()
                    gathered = await asyncio.gather(tick("slow", 0.3, out), tick("fast", 0.1, out))
                    try:
                        await asyncio.wait_for(asyncio.sleep(10), timeout=0.2)
                        timed_out = False
                    except asyncio.TimeoutError:
                        timed_out = True
                    return {"gathered": gathered, "order": out, "timed_out": timed_out,
                            "elapsed": time.monotonic() - started, "loop": type(asyncio.get_running_loop()).__name__}

                @task(name="nested")
                def nested():
                    return asyncio.run(tick("once", 0, []))

                @task(name="stuck")
                async def stuck():
                    await asyncio.get_running_loop().create_future()
                """;
        Path dir = guest.source("aio.py", code);
        AttemptResult main = guest.run(guest.attempt(dir, "aio.py", Program.RUN));
        AttemptResult nested = guest.run(guest.attempt(dir, "aio.py", Program.RUN).task("nested", "{\"args\":[],\"kwargs\":{}}"));
        AttemptResult stuck = guest.run(guest.attempt(dir, "aio.py", Program.RUN).task("stuck", "{\"args\":[],\"kwargs\":{}}"));

        assertThat(main.succeeded()).as(PythonGuest.why(main)).isTrue();
        JsonNode value = JSON.readTree(main.value());
        assertThat(value.get("gathered")).isEqualTo(JSON.readTree("[\"slow\",\"fast\"]"));
        assertThat(value.get("order")).isEqualTo(JSON.readTree("[\"fast\",\"slow\"]"));
        assertThat(value.get("timed_out").asBoolean()).isTrue();
        assertThat(value.get("elapsed").asDouble()).as("gather sleeps in parallel, wait_for stops at its timeout").isBetween(0.45, 3.0);
        assertThat(value.get("loop").asText()).isEqualTo("CapsuleEventLoop");
        assertThat(nested.succeeded()).as(PythonGuest.why(nested)).isTrue();
        assertThat(nested.value()).isEqualTo("\"once\"");
        assertThat(stuck.errorType()).isEqualTo("task_error");
        assertThat(stuck.message()).contains("RuntimeError").contains("the event loop has nothing left to run");
    }

    @Test
    void aTaskUsesTheStandardLibrary() throws Exception {
        String code = """
                import json, re
                from dataclasses import dataclass, asdict
                from capsule import task

                @dataclass
                class Word:
                    text: str
                    length: int

                @task(name="main")
                def main(text):
                    words = [Word(w, len(w)) for w in re.findall(r"[a-z]+", text.lower())]
                    return json.loads(json.dumps({"words": [asdict(w) for w in words]}))
                """;
        AttemptResult result = guest.run(guest.attempt(guest.source("words.py", code), "words.py", Program.RUN)
                .task("main", "{\"args\":[\"Hello, Wasm!\"],\"kwargs\":{}}"));

        assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
        assertThat(JSON.readTree(result.value())).isEqualTo(JSON.readTree(
                "{\"words\":[{\"text\":\"hello\",\"length\":5},{\"text\":\"wasm\",\"length\":4}]}"));
    }

    @Test
    void anUncaughtExceptionIsATaskErrorWithItsTraceback() throws Exception {
        String code = """
                from capsule import task

                def check(n):
                    raise ValueError("n must be positive, got %d" % n)

                @task(name="main")
                def main():
                    check(-1)
                """;
        AttemptResult result = guest.run(guest.attempt(guest.source("fails.py", code), "fails.py", Program.RUN));

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).isEqualTo("ValueError: n must be positive, got -1");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.value()).isNull();
        assertThat(result.errorDetail())
                .startsWith("Traceback (most recent call last):")
                .contains("File \"/app/fails.py\", line 8, in main")
                .contains("File \"/app/fails.py\", line 4, in check")
                .endsWith("ValueError: n must be positive, got -1\n")
                .doesNotContain("capsule_boot");
    }

    @Test
    void aSyntaxErrorNamesTheFileAndLine() throws Exception {
        String code = "from capsule import task\n\n@task(name=\"main\")\ndef main(:\n    return 1\n";
        Path dir = guest.source("broken.py", code);
        for (String mode : new String[] {Program.DESCRIBE, Program.RUN}) {
            AttemptResult result = guest.run(guest.attempt(dir, "broken.py", mode));

            assertThat(result.errorType()).isEqualTo("task_error");
            assertThat(result.message()).startsWith("SyntaxError: ").contains("broken.py, line 4");
        }
    }

    @Test
    void aCExtensionPackageIsExplained() throws Exception {
        String code = "import numpy as np\nfrom capsule import task\n\n@task(name=\"main\")\ndef main():\n    return 1\n";
        AttemptResult result = guest.run(guest.attempt(guest.source("np.py", code), "np.py", Program.DESCRIBE));

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).startsWith("ModuleNotFoundError: No module named 'numpy'")
                .contains("only the standard library and pure-Python packages")
                .contains("C-extension packages such as numpy or pandas cannot run in the sandbox");
    }

    @Test
    void aFileWithoutMainSaysHowToDeclareIt() throws Exception {
        String code = "from capsule import task\n\n@task\ndef other():\n    return 1\n";
        Path dir = guest.source("nomain.py", code);
        for (String mode : new String[] {Program.DESCRIBE, Program.RUN}) {
            AttemptResult result = guest.run(guest.attempt(dir, "nomain.py", mode));

            assertThat(result.errorType()).isEqualTo("task_error");
            assertThat(result.message()).startsWith("NoMainTask: nomain.py declares no task named \"main\"").contains("@task(name=\"main\")");
        }
    }

    @Test
    void anUnknownTaskListsTheKnownOnes() throws Exception {
        AttemptResult result = guest.run(guest.attempt(guest.source("hello.py", HELLO), "hello.py", Program.RUN).task("nope", "{}"));

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).isEqualTo("UnknownTask: no task named \"nope\" in hello.py; its tasks: helper, main");
    }

    @Test
    void aResultThatIsNotJsonIsATypeError() throws Exception {
        String code = "from capsule import task\n\n@task(name=\"main\")\ndef main():\n    return {\"when\": object()}\n";
        AttemptResult result = guest.run(guest.attempt(guest.source("nojson.py", code), "nojson.py", Program.RUN));

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).startsWith("TypeError: the result of task main is not JSON-serialisable: ")
                .contains("Object of type object is not JSON serializable");
    }

    @Test
    void aSourceFileMayNotHideAModuleAlreadyLoaded() throws Exception {
        AttemptResult result = guest.run(guest.attempt(guest.source("capsule.py", HELLO), "capsule.py", Program.DESCRIBE));

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).isEqualTo("ImportError: the file name capsule.py clashes with the module capsule, which is already loaded; rename the file");
    }

    @Test
    void theSourcesBytecodeIsCompiledOnceAndIgnoredWhenItDoesNotMatch() throws Exception {
        String code = "# " + java.util.UUID.randomUUID() + "\nfrom capsule import task\n\n@task(name=\"main\")\ndef main():\n    return 7\n";
        Path dir = guest.source("cached.py", code);
        PythonGuest.Attempt attempt = guest.attempt(dir, "cached.py", Program.RUN);
        assertThat(guest.run(attempt).value()).isEqualTo("7");
        Path pyc;
        try (var files = Files.walk(PythonGuest.CACHE.resolve("guest/python-code"))) {
            pyc = files.filter(p -> p.getFileName().toString().equals("main.pyc"))
                    .filter(p -> new String(readAll(p), java.nio.charset.StandardCharsets.ISO_8859_1).contains("/app/cached.py"))
                    .filter(p -> p.toFile().lastModified() >= System.currentTimeMillis() - 120_000)
                    .reduce((a, b) -> a.toFile().lastModified() >= b.toFile().lastModified() ? a : b).orElseThrow();
        }
        byte[] compiled = Files.readAllBytes(pyc);

        AttemptResult cached = guest.run(attempt);
        byte[] wrongHash = compiled.clone();
        wrongHash[8] ^= 1;
        for (int i = 16; i < wrongHash.length; i++) {
            wrongHash[i] = (byte) 0xff;
        }
        Files.write(pyc, wrongHash);
        AttemptResult recompiled = guest.run(attempt);
        Files.write(pyc, compiled);

        assertThat(cached.value()).isEqualTo("7");
        assertThat(recompiled.value()).as("bytecode whose hash does not match the source is never loaded").isEqualTo("7");
    }

    private static byte[] readAll(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void modulesBesideTheSourceAreImportable() throws Exception {
        Path dir = guest.source("uses.py", "from capsule import task\nimport helper\n\n@task(name=\"main\")\ndef main():\n    return helper.twice(21)\n");
        Files.writeString(dir.resolve("helper.py"), "def twice(x):\n    return 2 * x\n");
        AttemptResult result = guest.run(guest.attempt(dir, "uses.py", Program.RUN));

        assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
        assertThat(result.value()).isEqualTo("42");
    }
}
