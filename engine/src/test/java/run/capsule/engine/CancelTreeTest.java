package run.capsule.engine;

import run.capsule.engine.spec.Cancellation;
import run.capsule.protocol.EngineOp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.capsule.engine.pool.RunnerLauncher;
import run.capsule.engine.pool.RunnerPool;
import run.capsule.engine.pool.RunnerProcess;
import run.capsule.store.AttemptOutcome;
import run.capsule.store.CancelOutcome;
import run.capsule.store.EventRow;
import run.capsule.store.JournalConfig;
import run.capsule.store.NewTask;
import run.capsule.store.TaskJournal;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import run.capsule.engine.calls.ChildTasks;
import run.capsule.engine.execution.TaskResults;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/** Cancelling a task cancels its unfinished child tasks at any depth: on a real H2 file journal, and end to end with CPython. */
class CancelTreeTest {
    @TempDir
    Path dir;

    private CapsuleOptions.Builder node(String nodeId, int runners) {
        return CapsuleOptions.builder().journal(JournalConfig.embedded(dir.resolve(".capsule"))).nodeId(nodeId).runners(runners);
    }

    @Test
    void cancellingAParentCancelsItsUnfinishedDescendantsAndLeavesFinishedOnes() {
        byte[] module = "\0asm-tree".getBytes(StandardCharsets.UTF_8);
        try (CapsuleClient client = Capsule.openClient(node("client", 1).build())) {
            TaskJournal tasks = client.journal().tasks();
            // A suspended parent: one child done, one waiting to retry, one not started, one running on another node;
            // the done child left a grandchild pending.
            tasks.create(task("parent", null, module), module);
            tasks.create(task("c1-done", "parent", module), module);
            tasks.create(task("c2-retrying", "parent", module), module);
            tasks.create(task("c3-pending", "parent", module), module);
            tasks.create(task("c4-running", "parent", module), module);
            tasks.create(task("g1-grandchild", "c1-done", module), module);
            tasks.finishAttempt("parent", tasks.startAttempt("parent", "node-b"),
                    AttemptOutcome.failed(5, null, null, 1, "task_error", "boom"), true, "retrying");
            tasks.finishAttempt("c1-done", tasks.startAttempt("c1-done", "node-b"), AttemptOutcome.succeeded(3, null, null, 0, "7"), false, "succeeded");
            tasks.finishAttempt("c2-retrying", tasks.startAttempt("c2-retrying", "node-b"),
                    AttemptOutcome.failed(5, null, null, 1, "task_error", "boom"), true, "retrying");
            tasks.startAttempt("c4-running", "node-b");

            Cancellation cancellation = client.cancelTree("parent");

            assertThat(cancellation.outcome()).isEqualTo(CancelOutcome.CANCELLED);
            assertThat(cancellation.children()).containsExactly("c2-retrying", "c3-pending", "c4-running", "g1-grandchild");
            for (String id : List.of("parent", "c2-retrying", "c3-pending", "g1-grandchild")) {
                TaskRow row = client.task(id).orElseThrow();
                assertThat(row.status()).as(id).isEqualTo(TaskStatus.CANCELLED);
                assertThat(row.errorType()).as(id).isEqualTo("cancelled");
                assertThat(client.events(id)).as(id).filteredOn(e -> e.toStatus() == TaskStatus.CANCELLED)
                        .singleElement().extracting(EventRow::reason).isEqualTo("cancelled by request");
            }
            // Running elsewhere: asked to stop; its node records CANCELLED when it stops the attempt.
            assertThat(client.task("c4-running").orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);
            assertThat(tasks.isCancelRequested("c4-running")).isTrue();
            TaskRow done = client.task("c1-done").orElseThrow();
            assertThat(done.status()).isEqualTo(TaskStatus.SUCCEEDED);
            assertThat(done.errorType()).isNull();
            assertThat(done.resultJson()).isEqualTo("7");
            assertThat(tasks.isCancelRequested("c1-done")).isFalse();
            assertThat(client.events("c1-done")).noneMatch(e -> e.toStatus() == TaskStatus.CANCELLED);

            // Again: the parent has ended; only the still-running child is asked again, nothing else changes.
            Cancellation again = client.cancelTree("parent");
            assertThat(again.outcome()).isEqualTo(CancelOutcome.ALREADY_FINISHED);
            assertThat(again.children()).containsExactly("c4-running");
            assertThat(client.events("c3-pending")).filteredOn(e -> e.toStatus() == TaskStatus.CANCELLED).hasSize(1);
            assertThat(client.cancel("no-such-task")).isEqualTo(CancelOutcome.NOT_FOUND);
        }
    }

    private static NewTask task(String id, String parentId, byte[] module) {
        return new NewTask(id, "step", parentId, run.capsule.store.ModuleStore.sha256(module), 1, "{\"args\":[]}");
    }

    /** A main that calls a child looping forever, then, were it answered, a second child. */
    private Path treeSource() throws java.io.IOException {
        Path source = dir.resolve("tree.py");
        Files.writeString(source, "from capsule import task\n\n"
                + "@task(name='spin', compute='HIGH', timeout='300s')\ndef spin():\n    while True:\n        pass\n\n"
                + "@task(name='fallback', compute='LOW')\ndef fallback():\n    return 'the parent went on'\n\n"
                + "@task(name='main', timeout='300s')\ndef main():\n    spin()\n    fallback()\n    return 'done'\n");
        return source;
    }

    /**
     * Another node may run the parent and notice the request up to 250 ms later, while its children already ended
     * cancelled: the parent is then refused new children and is not answered its children's results.
     */
    @Test
    void aParentBeingCancelledStartsNoChildAndIsNotAnsweredItsChildrensResults() throws Exception {
        ObjectMapper json = new ObjectMapper();
        byte[] module = "\0asm-tree".getBytes(StandardCharsets.UTF_8);
        try (CapsuleClient client = Capsule.openClient(node("client", 1).build())) {
            TaskSpec main = client.resolve(TaskSpec.builder(treeSource()).build(), Map.of());
            TaskJournal tasks = client.journal().tasks();
            tasks.create(task("parent", null, module), module);
            tasks.create(task("c1-done", "parent", module), module);
            int attempt = tasks.startAttempt("parent", "node-b");
            tasks.finishAttempt("c1-done", tasks.startAttempt("c1-done", "node-b"), AttemptOutcome.succeeded(3, null, null, 0, "7"), false, "succeeded");
            RunnerPool pool = new RunnerPool(RunnerLauncher.forThisJvm(dir), 1, Duration.ofSeconds(5));
            ChildTasks children = new ChildTasks(client.journal(), null, pool, id -> CompletableFuture.completedFuture(null), new TaskResults(client.journal()),
                    null, true);
            RunnerProcess.CallHandler calls = children.forAttempt("parent", attempt, main);
            EngineOp waitForChild = json.readValue("{\"op\":\"task.wait\",\"ids\":[\"c1-done\"]}", EngineOp.class);
            assertThat(calls.handle(waitForChild).path("results").path("c1-done").path("result").asInt()).isEqualTo(7);

            assertThat(client.cancelTree("parent").outcome()).isEqualTo(CancelOutcome.REQUESTED);

            assertThat(calls.handle(waitForChild).path("error").path("type").asText()).isEqualTo("cancelled");
            for (String op : List.of("task.start", "task.call")) {
                JsonNode reply = calls.handle(json.readValue("{\"op\":\"" + op + "\",\"task\":\"fallback\"}", EngineOp.class));
                assertThat(reply.path("error").path("type").asText()).as(op).isEqualTo("cancelled");
            }
            assertThat(client.children("parent")).singleElement().extracting(TaskRow::id).isEqualTo("c1-done");
        }
    }

    /** From the node itself, which stops the attempts at once, and from a client, whose request the node finds by polling. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void cancellingARunningPythonParentStopsItsRunningChildAndFreesTheRunner(boolean fromClient) throws Exception {
        Path source = treeSource();
        try (Capsule capsule = Capsule.open(node("node-a", 1).build());
             Worker worker = capsule.startWorker(WorkerOptions.DEFAULT)) {
            String parent = capsule.submit(TaskSpec.builder(source).build(), SubmitOptions.NOW).taskId();
            await().atMost(Duration.ofSeconds(120)).until(() -> capsule.children(parent).stream()
                    .anyMatch(c -> c.status() == TaskStatus.RUNNING && capsule.activeAttempts().containsKey(c.id())));
            String child = capsule.children(parent).get(0).id();
            Thread.sleep(500);

            Cancellation cancellation;
            if (fromClient) {
                try (CapsuleClient client = Capsule.openClient(node("client", 1).build())) {
                    cancellation = client.cancelTree(parent);
                }
            } else {
                cancellation = capsule.cancelTree(parent);
            }

            // on a one-runner node the waiting parent is suspended while its child runs (docs/security.md), so it is
            // cancelled at once rather than asked to stop
            assertThat(cancellation.outcome()).isEqualTo(CancelOutcome.CANCELLED);
            assertThat(cancellation.children()).containsExactly(child);
            await().atMost(Duration.ofSeconds(10)).until(() -> capsule.task(parent).orElseThrow().status().isFinal()
                    && capsule.task(child).orElseThrow().status().isFinal());
            for (String id : List.of(parent, child)) {
                TaskRow row = capsule.task(id).orElseThrow();
                assertThat(row.status()).as(id).isEqualTo(TaskStatus.CANCELLED);
                assertThat(row.errorType()).as(id).isEqualTo("cancelled");
            }
            assertThat(capsule.children(parent)).as("the parent started no other child").singleElement()
                    .extracting(TaskRow::id).isEqualTo(child);
            await().atMost(Duration.ofSeconds(10)).until(() -> capsule.activeAttempts().isEmpty());

            String hello = capsule.submit(TaskSpec.builder(TestModules.sample("hello/hello.wasm")).arg("after").build(), SubmitOptions.NOW).taskId();
            TaskResult result = capsule.await(hello, Duration.ofSeconds(60)).orElseThrow();
            assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        }
    }
}
