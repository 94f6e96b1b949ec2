package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.spec.EnvGrant;
import run.capsule.engine.spec.JobPolicy;
import run.capsule.engine.spec.TaskIds;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/**
 * Issue 11, findings 1, 3 and 4: no task can exhaust the node. Reproductions: {@code capsule run rec.py 30} (a task calling
 * itself 30 deep) started 32 runner JVMs; a task starting 3,000 children without waiting made 3,000 engine threads and
 * marked them all RUNNING; children chose from the engine's whole environment.
 */
class NodeBoundsTest {
    @RegisterExtension
    static final EngineNode node = EngineNode.withRunners(2);

    private static final String RECURSIVE = """
            from capsule import task

            def value(envelope):
                if not envelope["success"]:
                    raise RuntimeError(envelope["error"]["error_type"] + ": " + envelope["error"]["message"])
                return envelope["result"]

            @task(name="rec", ram="32MB", timeout="60s")
            def rec(n):
                return 0 if n == 0 else 1 + value(rec(n - 1))

            @task(name="main", timeout="120s")
            def main(n):
                return value(rec(int(n)))
            """;

    @Test
    void nestingSixDeepNeverRunsMoreRunnerProcessesThanTheNodeHas() throws Exception {
        Path file = node.source("rec.py", RECURSIVE);
        Set<Long> seen = new HashSet<>();
        AtomicInteger most = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (!done.get()) {
                List<Long> pids = node.capsule().runnerPids();
                seen.addAll(pids);
                most.accumulateAndGet(pids.size(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        TaskResult result;
        try {
            result = node.capsule().run(TaskSpec.builder(file).arg("6").build());
        } finally {
            done.set(true);
            watcher.join();
        }

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().asInt()).isEqualTo(6);
        assertThat(most.get()).as("live runner processes at once").isLessThanOrEqualTo(2);
        assertThat(suspendedAttempts(result.execution().taskId()))
                .as("waiting parents past the pool's spare runner are suspended and resumed by replay").isPositive();
    }

    @Test
    void nestingPastTheJobsMaximumDepthFailsWithLimitExceeded() throws Exception {
        Path file = node.source("deep.py", RECURSIVE);

        TaskResult result = node.capsule().run(TaskSpec.builder(file).arg("5").policy(JobPolicy.builder().maxDepth(3).build()).build());

        assertThat(result.success()).isFalse();
        String everything = String.valueOf(result.error()) + collectChildErrors(result.execution().taskId());
        assertThat(everything).contains("maximum depth of 3");
    }

    @Test
    void aTaskCannotHaveMoreUnfinishedChildrenThanItsJobAllows() throws Exception {
        Path file = node.source("fanout.py", """
                from capsule import task

                @task(name="child", compute="LOW", ram="32MB", timeout="30s")
                def child(i):
                    return i

                @task(name="main", timeout="120s")
                def main(n):
                    handles = []
                    try:
                        for i in range(int(n)):
                            handles.append(child.spawn(i))
                    except Exception as e:
                        return {"started": len(handles), "error": str(e)}
                    return {"started": len(handles)}
                """);
        AtomicInteger mostRunning = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (!done.get()) {
                int running = (int) node.capsule().recentTasks(200).stream().filter(t -> t.parentId() != null && t.status() == TaskStatus.RUNNING).count();
                mostRunning.accumulateAndGet(running, Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        TaskResult result;
        try {
            result = node.capsule().run(TaskSpec.builder(file).arg("40").policy(JobPolicy.builder().maxChildren(12).build()).build());
        } finally {
            done.set(true);
            watcher.join();
        }

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("started").asInt()).isBetween(12, 39);
        assertThat(result.result().path("error").asText()).contains("unfinished child tasks, the most its job allows");
        assertThat(mostRunning.get()).as("children claimed at once on a 2-runner node").isLessThanOrEqualTo(4);
    }

    @Test
    void childrenSeeOnlyGrantedVariablesNeverTheEnginesEnvironment() throws Exception {
        Path file = node.source("envs.py", """
                import os
                from capsule import task

                @task(name="reader", compute="LOW", ram="32MB", env_variables=["TOKEN"])
                def reader():
                    return {"token": os.environ.get("TOKEN"), "path": os.environ.get("PATH")}

                @task(name="main", timeout="60s")
                def main():
                    return {"own": os.environ.get("TOKEN"), "child": reader()["result"]}
                """);
        Path greedy = node.source("greedy-env.py", """
                import os
                from capsule import task

                @task(name="reader", env_variables=["PATH"])
                def reader():
                    return os.environ.get("PATH")

                @task(name="main")
                def main():
                    return reader()["result"]
                """);

        TaskResult result = node.capsule().run(TaskSpec.builder(file).env(new EnvGrant("TOKEN", "s3cret")).build());
        TaskResult refused = node.capsule().run(TaskSpec.builder(greedy).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().path("child").path("token").asText()).isEqualTo("s3cret");
        assertThat(result.result().path("child").path("path").isNull()).isTrue();
        assertThat(refused.success()).isFalse();
        assertThat(refused.error().message()).contains("env_variables PATH is not granted");
    }

    /** Finding 4: a parent that ended without cancelling its children (here: failed before it ran) leaves none running. */
    @Test
    void childrenOfATaskThatEndedAnyWayAreCancelled() throws Exception {
        byte[] module = Files.readAllBytes(TestModules.sample("hello/hello.wasm"));
        String sha = run.capsule.store.ModuleStore.sha256(module);
        String parent = TaskIds.next();
        String child = TaskIds.next();
        var tasks = node.capsule().journal().tasks();
        tasks.create(new run.capsule.store.NewTask(parent, "parent", null, sha, 0, "{\"args\":[]}"), module);
        tasks.create(new run.capsule.store.NewTask(child, "child", parent, sha, 0, "{\"args\":[]}", null, java.time.OffsetDateTime.now().plusHours(1), null), module);
        int attempt = tasks.startAttempt(parent, "elsewhere");
        tasks.finishAttempt(parent, attempt, run.capsule.store.AttemptOutcome.failed(0, null, null, null, "internal_error", "no module"), false, "failed");

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> node.capsule().task(child).orElseThrow().status() == TaskStatus.CANCELLED);
    }

    private static long suspendedAttempts(String taskId) {
        long n = node.capsule().attempts(taskId).stream().filter(a -> a.status().name().equals("SUSPENDED")).count();
        for (TaskRow child : node.capsule().children(taskId)) {
            n += suspendedAttempts(child.id());
        }
        return n;
    }

    private static String collectChildErrors(String taskId) {
        StringBuilder out = new StringBuilder();
        for (TaskRow child : node.capsule().children(taskId)) {
            out.append(' ').append(child.errorType()).append(": ").append(child.errorMessage()).append(collectChildErrors(child.id()));
        }
        return out.toString();
    }

}
