package run.capsule.engine;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.AttemptRow;
import run.capsule.store.AttemptStatus;
import run.capsule.store.CancelOutcome;
import run.capsule.store.EventRow;
import run.capsule.store.JournalConfig;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/** The queue, workers, retries on Quartz timers, cancellation and idempotency, with real runners. */
class QueueTest {
    @TempDir
    Path dir;

    private CapsuleOptions.Builder node(JournalConfig journal, String nodeId) {
        return CapsuleOptions.builder().journal(journal).nodeId(nodeId).runners(2)
                .heartbeatInterval(Duration.ofMillis(500)).lease(Duration.ofSeconds(2));
    }

    private static TaskSpec hello(String arg) {
        return TaskSpec.builder(TestModules.sample("hello/hello.wasm")).arg(arg).build();
    }

    @Test
    void idempotentSubmitCreatesOneTask() {
        try (CapsuleClient client = Capsule.openClient(node(JournalConfig.embedded(dir), "client").build())) {
            Capsule.SubmitResult first = client.submit(hello("a"), SubmitOptions.NOW.withIdempotencyKey("order-17"));
            Capsule.SubmitResult second = client.submit(hello("b"), SubmitOptions.NOW.withIdempotencyKey("order-17"));
            assertThat(first.created()).isTrue();
            assertThat(second.created()).isFalse();
            assertThat(second.taskId()).isEqualTo(first.taskId());
            assertThat(client.recentTasks(10)).hasSize(1);
            assertThat(client.task(first.taskId()).orElseThrow().configJson()).contains("\"args\":[\"a\"]");
        }
    }

    @Test
    void aCancelledPendingTaskNeverRunsAndARunningOneIsStopped() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir);
        try (Capsule capsule = Capsule.open(node(journal, "node-a").build());
             Worker worker = capsule.startWorker(WorkerOptions.DEFAULT)) {
            String pending = capsule.submit(hello("never"), SubmitOptions.NOW.withRunAt(Instant.now().plusSeconds(2))).taskId();
            assertThat(capsule.cancel(pending)).isEqualTo(CancelOutcome.CANCELLED);

            String looping = capsule.submit(TaskSpec.builder(TestModules.wasm("loop.wasm"))
                    .limits(Limits.builder().timeout(Duration.ofMinutes(5)).build()).build(), SubmitOptions.NOW).taskId();
            await().atMost(Duration.ofSeconds(30)).until(() -> capsule.task(looping).orElseThrow().status() == TaskStatus.RUNNING);
            try (CapsuleClient client = Capsule.openClient(node(journal, "client").build())) {
                assertThat(client.cancel(looping)).isEqualTo(CancelOutcome.REQUESTED);
            }
            TaskResult cancelled = capsule.await(looping, Duration.ofSeconds(30)).orElseThrow();
            assertThat(cancelled.error().errorType()).isEqualTo("cancelled");
            assertThat(capsule.attempts(looping)).singleElement().satisfies(a -> assertThat(a.status()).isEqualTo(AttemptStatus.CANCELLED));

            // past its run time, the cancelled task is never started
            await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(10)).until(() -> capsule.attempts(pending).isEmpty());
            assertThat(capsule.task(pending).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
            assertThat(capsule.attempts(pending)).isEmpty();
            assertThat(capsule.cancel(pending)).isEqualTo(CancelOutcome.ALREADY_FINISHED);
        }
    }

    @Test
    void aKilledRunnerIsRetriedPerPolicyOnAQuartzTimer() throws Exception {
        // the poll (50 ms since issue 15) would claim the due retry before the timer fires: this test is about the timer
        try (Capsule capsule = Capsule.open(node(JournalConfig.embedded(dir), "node-a").build());
             Worker worker = capsule.startWorker(WorkerOptions.DEFAULT.withPollInterval(Duration.ofSeconds(30)))) {
            TaskSpec slow = TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("stderr", "20"))
                    .retryPolicy(RetryPolicy.retries(2).withBackoff(Duration.ofMillis(300), 2.0, Duration.ofSeconds(5)).withJitter(0))
                    .build();
            String id = capsule.submit(slow, SubmitOptions.NOW).taskId();
            await().atMost(Duration.ofSeconds(30)).until(() -> capsule.task(id).orElseThrow().status() == TaskStatus.RUNNING
                    && !capsule.runnerPids().isEmpty());
            Thread.sleep(300);
            capsule.runnerPids().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));

            TaskResult result = capsule.await(id, Duration.ofSeconds(60)).orElseThrow();
            assertThat(result.success()).isTrue();
            assertThat(result.execution().retries()).isEqualTo(1);
            assertThat(capsule.attempts(id)).extracting(AttemptRow::status, AttemptRow::errorType).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(AttemptStatus.FAILED, "runner_crashed"),
                    org.assertj.core.groups.Tuple.tuple(AttemptStatus.SUCCEEDED, null));
            assertThat(capsule.events(id)).extracting(EventRow::reason)
                    .anySatisfy(r -> assertThat(r).contains("retry 1 of 2 scheduled at"))
                    .anySatisfy(r -> assertThat(r).isEqualTo("retry due (timer)"));
        }
    }

    @Test
    void aRetryTimerSurvivesAWorkerRestartAndFiresOnce() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir);
        String failing;
        try (Capsule first = Capsule.open(node(journal, "node-a").build());
             Worker worker = first.startWorker(WorkerOptions.DEFAULT)) {
            failing = first.submit(TaskSpec.builder(TestModules.wasm("exit3.wasm"))
                    .retryPolicy(RetryPolicy.retries(1).withBackoff(Duration.ofSeconds(5), 2.0, Duration.ofSeconds(5)).withJitter(0))
                    .build(), SubmitOptions.NOW).taskId();
            await().atMost(Duration.ofSeconds(30)).until(() -> first.task(failing).orElseThrow().status() == TaskStatus.RETRY_WAIT);
        }
        Thread.sleep(1000);
        // a poll would claim the due retry before the timer fires (a timer only wakes the worker): here only the timer can
        try (Capsule second = Capsule.open(node(journal, "node-b").build());
             Worker worker = second.startWorker(WorkerOptions.DEFAULT.withPollInterval(Duration.ofSeconds(60)))) {
            TaskRow waiting = second.task(failing).orElseThrow();
            TaskResult retried = second.await(failing, Duration.ofSeconds(40)).orElseThrow();

            List<AttemptRow> attempts = second.attempts(failing);
            assertThat(attempts).hasSize(2);
            assertThat(attempts.get(1).nodeId()).isEqualTo("node-b");
            Duration lateBy = Duration.between(waiting.runAt(), attempts.get(1).startedAt());
            assertThat(lateBy).isBetween(Duration.ZERO, Duration.ofSeconds(3));
            assertThat(retried.execution().retries()).isEqualTo(1);
            assertThat(second.events(failing)).extracting(EventRow::reason).filteredOn(r -> r.startsWith("retry due"))
                    .containsExactly("retry due (timer)");
        }
    }

    @Test
    void aDelayedStartSurvivesAWorkerRestartAndRunsOnceOnTime() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir);
        String delayed;
        Instant delayedAt = Instant.now().plusSeconds(4);
        try (Capsule first = Capsule.open(node(journal, "node-a").build());
             Worker worker = first.startWorker(WorkerOptions.DEFAULT)) {
            delayed = first.submit(hello("later"), SubmitOptions.NOW.withRunAt(delayedAt)).taskId();
        }
        Thread.sleep(1000);
        try (Capsule second = Capsule.open(node(journal, "node-b").build());
             Worker worker = second.startWorker(WorkerOptions.DEFAULT)) {
            TaskResult later = second.await(delayed, Duration.ofSeconds(40)).orElseThrow();
            assertThat(later.success()).isTrue();
            assertThat(second.attempts(delayed)).singleElement().satisfies(a -> {
                assertThat(a.nodeId()).isEqualTo("node-b");
                assertThat(a.startedAt().toInstant()).isAfterOrEqualTo(delayedAt.minusMillis(50));
                assertThat(Duration.between(delayedAt, a.startedAt().toInstant())).isLessThan(Duration.ofSeconds(3));
            });
        }
    }

    @Test
    void twoNodesOnOnePostgresNeverRunTheSameAttemptTwice() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            JournalConfig journal = JournalConfig.of(pg.getJdbcUrl("postgres", "postgres")).withCredentials("postgres", "postgres")
                    .withPoolSize(6);
            try (Capsule a = Capsule.open(node(journal, "node-a").build());
                 Capsule b = Capsule.open(node(journal, "node-b").build())) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    ids.add(a.submit(hello("n" + i), SubmitOptions.NOW).taskId());
                }
                try (Worker wa = a.startWorker(WorkerOptions.DEFAULT); Worker wb = b.startWorker(WorkerOptions.DEFAULT)) {
                    for (String id : ids) {
                        assertThat(a.await(id, Duration.ofSeconds(120))).hasValueSatisfying(r -> assertThat(r.success()).isTrue());
                    }
                }
                Set<String> nodes = new HashSet<>();
                for (String id : ids) {
                    List<AttemptRow> attempts = a.attempts(id);
                    assertThat(attempts).singleElement().satisfies(x -> assertThat(x.status()).isEqualTo(AttemptStatus.SUCCEEDED));
                    nodes.add(attempts.get(0).nodeId());
                }
                assertThat(nodes).containsExactlyInAnyOrder("node-a", "node-b");
                assertThat(a.query("select count(*) from attempts", 1).rows().get(0).get(0)).isEqualTo(60L);
            }
        }
    }

    @Test
    void aNodeThatDiesMidAttemptHasItsWorkRecoveredWithoutUsingRetries() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir);
        try (Capsule survivor = Capsule.open(node(journal, "survivor").build())) {
            // A node that claimed a task and then vanished: registered, claimed, never heard from again.
            survivor.journal().nodes().register("ghost", 1);
            String id = survivor.submit(hello("again"), SubmitOptions.NOW).taskId();
            assertThat(survivor.journal().tasks().claimDue("ghost", 1)).hasSize(1);

            try (Worker worker = survivor.startWorker(WorkerOptions.DEFAULT)) {
                TaskResult result = survivor.await(id, Duration.ofSeconds(30)).orElseThrow();
                assertThat(result.success()).isTrue();
                assertThat(result.execution().retries()).isZero();
            }
            assertThat(survivor.attempts(id)).extracting(AttemptRow::nodeId, AttemptRow::status).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("ghost", AttemptStatus.ABANDONED),
                    org.assertj.core.groups.Tuple.tuple("survivor", AttemptStatus.SUCCEEDED));
            assertThat(survivor.events(id)).extracting(EventRow::reason)
                    .anySatisfy(r -> assertThat(r).startsWith("abandoned: node ghost lost"));
            assertThat(survivor.task(id).orElseThrow().recoveries()).isEqualTo(1);
        }
    }

    @Test
    void aTaskSubmittedOnTheNodeIsClaimedWithoutWaitingForThePoll() throws Exception {
        // the worker polls the queue once a minute: only the wake-up on submit can start the task within the wait
        try (Capsule capsule = Capsule.open(node(JournalConfig.embedded(dir), "node-a").build());
             Worker worker = capsule.startWorker(WorkerOptions.DEFAULT.withPollInterval(Duration.ofSeconds(60)))) {
            Thread.sleep(500); // past the worker's first look at the empty queue
            String id = capsule.submit(hello("now"), SubmitOptions.NOW).taskId();
            assertThat(capsule.await(id, Duration.ofSeconds(20))).as("ended well before the next poll").isPresent();
        }
    }

    @Test
    void aTaskAbandonedTooOftenFailsAsLost() {
        JournalConfig journal = JournalConfig.embedded(dir);
        try (Capsule capsule = Capsule.open(node(journal, "survivor").maxRecoveries(2).build())) {
            String id = capsule.submit(hello("cursed"), SubmitOptions.NOW).taskId();
            for (int i = 0; i < 3; i++) {
                String ghost = "ghost-" + i;
                capsule.journal().nodes().register(ghost, 1);
                assertThat(capsule.journal().tasks().claimDue(ghost, 1)).hasSize(1);
                capsule.journal().tasks().recoverNode(ghost, "node " + ghost + " lost", 2);
            }
            TaskRow task = capsule.task(id).orElseThrow();
            assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
            assertThat(task.errorType()).isEqualTo("lost");
            assertThat(capsule.attempts(id)).hasSize(3).allSatisfy(a -> assertThat(a.status()).isEqualTo(AttemptStatus.ABANDONED));
        }
    }

    @Test
    void aCronScheduleQueuesATaskAtEachFiringAndCanBeDeleted() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir);
        try (Capsule capsule = Capsule.open(node(journal, "node-a").build());
             Worker worker = capsule.startWorker(WorkerOptions.DEFAULT)) {
            capsule.addSchedule("every-2s", "0/2 * * * * ?", hello("cron"));
            assertThat(capsule.schedules()).singleElement().satisfies(s -> {
                assertThat(s.cron()).isEqualTo("0/2 * * * * ?");
                assertThat(s.taskName()).isEqualTo("hello");
            });
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    capsule.recentTasks(10).stream().filter(t -> t.status() == TaskStatus.SUCCEEDED).count() >= 2);
            assertThat(capsule.deleteSchedule("every-2s")).isTrue();
            assertThat(capsule.schedules()).isEmpty();
            Thread.sleep(1000); // a firing already under way when the schedule was deleted may still queue its task
            int after = capsule.recentTasks(100).size();
            await().during(Duration.ofMillis(4500)).atMost(Duration.ofSeconds(15)).until(() -> capsule.recentTasks(100).size() == after);
            assertThat(capsule.recentTasks(100)).hasSize(after);
            assertThat(capsule.recentTasks(100)).allSatisfy(t -> assertThat(t.idempotencyKey()).startsWith("schedule:every-2s:"));
        }
    }
}
