package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.store.AttemptRow;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/** Python tasks through the whole engine: real CPython (fetched by pinned npm package), real runners, a real H2 file. */
class PythonTasksTest {
    @RegisterExtension
    static final EngineNode node = EngineNode.withRunners(2);

    @Test
    void helloReturnsWhatMainReturns() throws Exception {
        TaskResult result = node.capsule().run(TaskSpec.builder(TestModules.sample("python/hello.py")).arg("Ada").build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("greeting").asText()).isEqualTo("Hello, Ada!");
        TaskRow task = node.capsule().task(result.execution().taskId()).orElseThrow();
        assertThat(task.name()).isEqualTo("hello");
        assertThat(task.configJson()).contains("\"language\":\"python\"").contains("\"task\":\"main\"").contains("\"step_format\":2")
                .contains("\"ram_bytes\":" + 64L * 1024 * 1024).contains("\"fuel\":100000000");
    }

    @Test
    void aCsvIsReadFromTheReadOnlyGrantTheTaskDeclares() throws Exception {
        TaskResult result = node.capsule().run(TaskSpec.builder(TestModules.sample("python/sales.py"))
                .mount(MountSpec.parse(TestModules.sample("python/sales.py").getParent().resolve("data") + ":ro", Path.of("/"))).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("best_seller").asText()).isEqualTo("widget");
        assertThat(result.result().path("revenue_by_region").path("north").asDouble()).isEqualTo(60.0);
        assertThat(result.result().path("rows").asInt()).isEqualTo(55);
    }

    @Test
    void childrenRunInTheirOwnSandboxesAndAFailedChildIsAnEnvelope() throws Exception {
        TaskResult result = node.capsule().run(TaskSpec.builder(TestModules.sample("python/agent.py")).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("failed").path("loop").asText()).isEqualTo("fuel_exhausted");
        assertThat(result.result().path("total").asInt()).isEqualTo(2 * ("alpha".length() + "beta".length() + "gamma".length()));
        List<TaskRow> children = node.capsule().children(result.execution().taskId());
        assertThat(children).hasSize(4).allSatisfy(c -> {
            assertThat(c.name()).isEqualTo("score");
            assertThat(c.parentId()).isEqualTo(result.execution().taskId());
            assertThat(c.configJson()).contains("\"fuel\":100000000").contains("\"ram_bytes\":" + 32L * 1024 * 1024);
        });
        assertThat(children).filteredOn(c -> c.status() == TaskStatus.FAILED).singleElement()
                .satisfies(c -> assertThat(c.errorType()).isEqualTo("fuel_exhausted"));
        assertThat(children).filteredOn(c -> c.configJson().contains("\"kwargs\":{\"weight\":2}")).hasSize(4);
    }

    @Test
    void localModulesAreJournaledWithTheSourceAndRunAsJournaled() throws Exception {
        Path project = Files.createDirectories(node.dir().resolve("project"));
        Files.writeString(project.resolve("tools.py"), "def shout(s):\n    return s.upper() + '!'\n");
        Files.createDirectories(project.resolve("scoring"));
        Files.writeString(project.resolve("scoring/__init__.py"), "from .rules import score\n");
        Files.writeString(project.resolve("scoring/rules.py"), "def score(word):\n    return len(word) * 10\n");
        Path source = Files.writeString(project.resolve("job.py"), """
                from capsule import task
                from tools import shout

                @task(name="rate", compute="LOW")
                def rate(word):
                    import scoring
                    return scoring.score(word)

                @task(name="main")
                def main(word="capsule"):
                    return {"shout": shout(word), "score": rate(word)["result"]}
                """);

        String id;
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().embeddedJournal(node.dir().resolve(".capsule")).build())) {
            id = client.submit(TaskSpec.builder(source).arg("ada").build(), SubmitOptions.NOW).taskId();
        }
        Files.writeString(project.resolve("tools.py"), "def shout(s):\n    return 'changed on disk after submit'\n");
        Files.delete(project.resolve("scoring/rules.py"));

        TaskResult result;
        try (Worker worker = node.capsule().startWorker(WorkerOptions.DEFAULT)) {
            result = node.capsule().await(id, java.time.Duration.ofSeconds(120)).orElseThrow();
        }
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("shout").asText()).isEqualTo("ADA!");
        assertThat(result.result().path("score").asInt()).isEqualTo(30);
        TaskRow task = node.capsule().task(id).orElseThrow();
        assertThat(task.configJson()).contains("\"files\":[\"scoring/__init__.py\",\"scoring/rules.py\",\"tools.py\"]");
        assertThat(node.capsule().children(id)).singleElement().satisfies(c -> assertThat(c.moduleSha256()).isEqualTo(task.moduleSha256()));
    }

    @Test
    void asyncTasksAwaitTheirChildrenInParallelWithAsyncioGather() throws Exception {
        Path source = node.source("async_agent.py", """
                import asyncio, time
                from capsule import task

                @task(name="score", compute="LOW")
                async def score(word):
                    await asyncio.sleep(0.5)
                    return len(word)

                @task(name="shout")
                def shout(word):
                    return word.upper()

                @task(name="main")
                async def main(*words):
                    started = time.monotonic()
                    envelopes = await asyncio.gather(*(score(w) for w in words), shout.spawn(words[0]))
                    return {"results": [e["result"] for e in envelopes], "elapsed": time.monotonic() - started}
                """);
        TaskResult result = node.capsule().run(TaskSpec.builder(source).arg("alpha").arg("be").arg("gam").build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("results").toString()).isEqualTo("[5,2,3,\"ALPHA\"]");
        List<TaskRow> children = node.capsule().children(result.execution().taskId());
        assertThat(children).hasSize(4).allMatch(c -> c.status() == TaskStatus.SUCCEEDED);
        List<AttemptRow> attempts = children.stream().map(c -> node.capsule().attempts(c.id()).get(0)).toList();
        boolean overlapping = attempts.stream().anyMatch(a -> attempts.stream().anyMatch(b -> a != b
                && a.startedAt().isBefore(b.finishedAt()) && b.startedAt().isBefore(a.finishedAt())));
        assertThat(overlapping).as("the children were all started before the parent waited, so they ran at the same time").isTrue();
    }

    @Test
    void aTaskThatEndsCancelsTheChildrenItLeftRunning() throws Exception {
        Path source = node.source("leaves_children.py", """
                import time
                from capsule import task

                @task(name="forever", timeout="120s")
                def forever():
                    while True:
                        time.sleep(0.05)

                @task(name="quick")
                def quick():
                    return 1

                @task(name="main")
                def main():
                    # quick ends before forever starts (a wait starved by a sibling is the next test's)
                    done = quick.spawn().result()["result"]
                    left = forever.spawn()
                    time.sleep(1)
                    return done
                """);
        TaskResult result = node.capsule().run(TaskSpec.builder(source).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        String parent = result.execution().taskId();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                node.capsule().children(parent).stream().allMatch(c -> c.status().isFinal()));
        assertThat(node.capsule().children(parent)).extracting(TaskRow::name, TaskRow::status).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("quick", TaskStatus.SUCCEEDED), org.assertj.core.groups.Tuple.tuple("forever", TaskStatus.CANCELLED));
    }

    /**
     * With 2 runners, a task that waits for a short child while a long sibling took the runner the pool kept free gives up
     * its own runner (it is suspended and resumes by replay) instead of waiting until its timeout.
     */
    @Test
    void aWaitingTaskGivesUpItsRunnerWhenASiblingItDoesNotWaitForTookTheFreeOne() throws Exception {
        Path source = node.source("starved_child.py", """
                import time
                from capsule import task

                @task(name="long", timeout="120s")
                def long():
                    while True:
                        time.sleep(0.05)

                @task(name="short")
                def short():
                    return 7

                @task(name="main")
                def main():
                    left = long.spawn()
                    time.sleep(2)
                    return short.spawn().result()["result"]
                """);
        TaskResult result = node.capsule().run(TaskSpec.builder(source).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().asInt()).isEqualTo(7);
        String parent = result.execution().taskId();
        assertThat(node.capsule().attempts(parent)).extracting(AttemptRow::status).contains(run.capsule.store.AttemptStatus.SUSPENDED);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                node.capsule().children(parent).stream().allMatch(c -> c.status().isFinal()));
        assertThat(node.capsule().children(parent)).extracting(TaskRow::name, TaskRow::status).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("short", TaskStatus.SUCCEEDED), org.assertj.core.groups.Tuple.tuple("long", TaskStatus.CANCELLED));
    }

    @Test
    void anUncaughtExceptionIsATaskErrorWithItsTraceback() throws Exception {
        Path file = node.source("boom.py", "from capsule import task\n\n@task(name='main')\ndef main():\n    raise ValueError('no such order: 42')\n");
        TaskResult result = node.capsule().run(TaskSpec.builder(file).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("task_error");
        assertThat(result.error().message()).startsWith("ValueError: no such order: 42");
        AttemptRow attempt = node.capsule().attempts(result.execution().taskId()).get(0);
        assertThat(attempt.errorDetail()).contains("Traceback").contains("boom.py").contains("line 5");
    }

    @Test
    void mainsMemoryCapStopsAMemoryBombWithMemoryError() throws Exception {
        Path file = node.source("bomb.py", "from capsule import task\n\n@task(name='main', ram='48MB')\n"
                + "def main():\n    blocks = []\n    while True:\n        blocks.append(bytearray(4 * 1024 * 1024))\n");
        TaskResult result = node.capsule().run(TaskSpec.builder(file).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("memory_limit");
        assertThat(result.error().message()).contains("MemoryError");
        assertThat(result.execution().ramUsed()).isLessThanOrEqualTo(48L * 1024 * 1024);
    }

    @Test
    void aSourceWithoutMainOrWithASyntaxErrorIsRefusedBeforeAnythingIsJournaled() throws Exception {
        int before = node.capsule().recentTasks(10_000).size();
        Path noMain = node.source("nomain.py", "from capsule import task\n\n@task(name='helper')\ndef helper():\n    return 1\n");
        Path broken = node.source("broken.py", "from capsule import task\n\n@task(name='main')\ndef main(:\n    return 1\n");

        TaskResult missing = node.capsule().run(TaskSpec.builder(noMain).build());
        TaskResult syntax = node.capsule().run(TaskSpec.builder(broken).build());

        assertThat(missing.error().errorType()).isEqualTo("invalid_input");
        assertThat(missing.error().message()).contains("main").doesNotContain("\n");
        assertThat(syntax.error().errorType()).isEqualTo("invalid_input");
        assertThat(syntax.error().message()).contains("SyntaxError").contains("line 4").doesNotContain("\n");
        assertThat(node.capsule().recentTasks(10_000)).hasSize(before);
    }

    @Test
    void fiftyChildrenFanOutOnTwoRunners() throws Exception {
        Path file = node.source("fanout.py", "import capsule\nfrom capsule import task\n\n"
                + "@task(name='square', compute='LOW')\ndef square(n):\n    return n * n\n\n"
                + "@task(name='main', timeout='120s')\ndef main():\n"
                + "    envelopes = capsule.gather(*[square.spawn(i) for i in range(50)])\n"
                + "    return {'ok': sum(e['success'] for e in envelopes), 'sum': sum(e['result'] for e in envelopes if e['success'])}\n");
        TaskResult result = node.capsule().run(TaskSpec.builder(file).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("ok").asInt()).isEqualTo(50);
        assertThat(result.result().path("sum").asInt()).isEqualTo(40425);
        assertThat(node.capsule().children(result.execution().taskId())).hasSize(50).allMatch(c -> c.status() == TaskStatus.SUCCEEDED);
    }

    @Test
    void aTreeDeeperThanThePoolCompletes() throws Exception {
        Path file = node.source("deep.py", "from capsule import task\n\n"
                + "@task(name='level', timeout='120s')\ndef level(depth):\n"
                + "    if depth == 0:\n        return 0\n"
                + "    child = level(depth - 1)\n    return child['result'] + 1\n\n"
                + "@task(name='main', timeout='120s')\ndef main():\n    return level(4)['result']\n");
        TaskResult result = node.capsule().run(TaskSpec.builder(file).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().asInt()).isEqualTo(4);
        String id = result.execution().taskId();
        int depth = 0;
        List<TaskRow> children = node.capsule().children(id);
        while (!children.isEmpty()) {
            assertThat(children).hasSize(1);
            depth++;
            children = node.capsule().children(children.get(0).id());
        }
        assertThat(depth).isEqualTo(5);
    }
}
