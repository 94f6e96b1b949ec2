package run.capsule.engine.execution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.AttemptEnd;
import run.capsule.store.AttemptOutcome;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;
import run.capsule.store.ModuleStore;
import run.capsule.store.NewTask;
import run.capsule.store.StaleTransitionException;
import run.capsule.store.TaskJournal;
import run.capsule.store.TaskStatus;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Group commit on a real H2 journal: no caller hears of an outcome before the commit that holds it has returned. */
class GroupCommitTest {
    private static final byte[] MODULE = "(module)".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void noCallerIsAnsweredWhileItsCommitIsHeld() throws Exception {
        try (Journal journal = Journal.open(JournalConfig.embedded(dir))) {
            TaskJournal tasks = journal.tasks();
            List<String> ids = claimed(tasks, 8);
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch writing = new CountDownLatch(1);
            GroupCommit commit = new GroupCommit(writes(group -> {
                writing.countDown();
                await(held);
                return tasks.finishAttempts(group, null, 0).statuses();
            }, end -> {
                writing.countDown();
                await(held);
                return tasks.finishAttempt(end.taskId(), end.attemptNo(), end.outcome(), end.retryAt(), end.reason());
            }));
            ExecutorService callers = Executors.newFixedThreadPool(ids.size());
            try {
                List<Future<TaskStatus>> answers = new ArrayList<>();
                for (String id : ids) {
                    answers.add(callers.submit(() -> commit.finish(succeeded(id))));
                }
                assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(300);
                assertThat(answers).noneMatch(Future::isDone);
                assertThat(ids).allSatisfy(id -> assertThat(tasks.find(id).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING));

                held.countDown();
                for (Future<TaskStatus> answer : answers) {
                    assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(TaskStatus.SUCCEEDED);
                }
                assertThat(ids).allSatisfy(id -> assertThat(tasks.find(id).orElseThrow().status()).isEqualTo(TaskStatus.SUCCEEDED));
            } finally {
                callers.shutdownNow();
                commit.close();
            }
        }
    }

    /** Many rounds of callers finishing at once: each answer comes after the commit that wrote it, and once. */
    @Test
    void everyAnswerFollowsItsCommitOverManyRounds() throws Exception {
        try (Journal journal = Journal.open(JournalConfig.embedded(dir))) {
            TaskJournal tasks = journal.tasks();
            ConcurrentLinkedQueue<String> committed = new ConcurrentLinkedQueue<>();
            AtomicLong groups = new AtomicLong();
            GroupCommit commit = new GroupCommit(writes(group -> {
                List<TaskStatus> statuses = tasks.finishAttempts(group, null, 0).statuses();
                groups.incrementAndGet();
                group.forEach(end -> committed.add(end.taskId()));
                return statuses;
            }, end -> {
                TaskStatus status = tasks.finishAttempt(end.taskId(), end.attemptNo(), end.outcome(), end.retryAt(), end.reason());
                committed.add(end.taskId());
                return status;
            }));
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                for (int round = 0; round < 30; round++) {
                    List<String> ids = claimed(tasks, 4);
                    List<Future<Boolean>> answers = new ArrayList<>();
                    for (String id : ids) {
                        answers.add(callers.submit(() -> commit.finish(succeeded(id)) == TaskStatus.SUCCEEDED && committed.contains(id)
                                && tasks.find(id).orElseThrow().status() == TaskStatus.SUCCEEDED));
                    }
                    for (Future<Boolean> answer : answers) {
                        assertThat(answer.get(10, TimeUnit.SECONDS)).isTrue();
                    }
                }
                assertThat(committed).hasSize(120).doesNotHaveDuplicates();
                assertThat(groups.get()).as("groups of more than one end were written").isPositive();
            } finally {
                callers.shutdownNow();
                commit.close();
            }
        }
    }

    /** A stale end in a group does not cost the others their write; its caller is refused as it would be alone. */
    @Test
    void aStaleEndIsRefusedAloneAndTheRestOfItsGroupIsWritten() throws Exception {
        try (Journal journal = Journal.open(JournalConfig.embedded(dir))) {
            TaskJournal tasks = journal.tasks();
            List<String> ids = claimed(tasks, 3);
            tasks.handBack(ids.get(1), 1, "taken away for the test");
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch queued = new CountDownLatch(1);
            GroupCommit commit = new GroupCommit(writes(group -> tasks.finishAttempts(group, null, 0).statuses(),
                    end -> {
                        if (end.taskId().equals("first")) {
                            queued.countDown();
                            await(held);
                            return TaskStatus.SUCCEEDED;
                        }
                        return tasks.finishAttempt(end.taskId(), end.attemptNo(), end.outcome(), end.retryAt(), end.reason());
                    }));
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                // a first end holds the writer, so that the three below queue and are written as one group
                Future<TaskStatus> first = callers.submit(() -> commit.finish(new AttemptEnd("first", 1,
                        AttemptOutcome.succeeded(1, null, null, 0, null), null, "holds the writer")));
                assertThat(queued.await(10, TimeUnit.SECONDS)).isTrue();
                List<Future<TaskStatus>> answers = new ArrayList<>();
                for (String id : ids) {
                    answers.add(callers.submit(() -> commit.finish(succeeded(id))));
                }
                Thread.sleep(200);
                held.countDown();
                assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(TaskStatus.SUCCEEDED);
                assertThat(answers.get(0).get(10, TimeUnit.SECONDS)).isEqualTo(TaskStatus.SUCCEEDED);
                assertThat(answers.get(2).get(10, TimeUnit.SECONDS)).isEqualTo(TaskStatus.SUCCEEDED);
                assertThatThrownBy(() -> answers.get(1).get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StaleTransitionException.class);
                assertThat(tasks.find(ids.get(1)).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
            } finally {
                callers.shutdownNow();
                commit.close();
            }
        }
    }

    /** A worker's next tasks are claimed in the transaction of the ends that free its runners, and handed on before any answer. */
    @Test
    void aGroupClaimsTheNextTasksForTheWorkerBeforeAnsweringItsCallers() throws Exception {
        try (Journal journal = Journal.open(JournalConfig.embedded(dir))) {
            TaskJournal tasks = journal.tasks();
            List<String> running = claimed(tasks, 2);
            List<String> queued = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(UUID.randomUUID().toString());
                tasks.create(new NewTask(queued.get(i), "t", null, ModuleStore.sha256(MODULE), 0, "{\"args\":[]}", null, null, null), MODULE);
            }
            List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
            List<run.capsule.store.Claim> handed = java.util.Collections.synchronizedList(new ArrayList<>());
            try (GroupCommit commit = new GroupCommit(tasks)) {
                commit.claimNextWith(new NextClaims() {
                    @Override
                    public String nodeId() {
                        return "node-b";
                    }

                    @Override
                    public int wanted(int ending) {
                        return ending;
                    }

                    @Override
                    public void claimed(List<run.capsule.store.Claim> claims) {
                        order.add("claimed " + claims.size());
                        handed.addAll(claims);
                    }
                });
                for (String id : running) {
                    assertThat(commit.finish(succeeded(id))).isEqualTo(TaskStatus.SUCCEEDED);
                    order.add("answered");
                }
            }
            assertThat(order).containsExactly("claimed 1", "answered", "claimed 1", "answered");
            assertThat(handed).extracting(run.capsule.store.Claim::taskId).hasSize(2).doesNotHaveDuplicates().isSubsetOf(queued);
            for (run.capsule.store.Claim claim : handed) {
                assertThat(tasks.find(claim.taskId()).orElseThrow()).satisfies(t -> {
                    assertThat(t.status()).isEqualTo(TaskStatus.RUNNING);
                    assertThat(t.claimedBy()).isEqualTo("node-b");
                });
                assertThat(claim.task().claimedBy()).isEqualTo("node-b");
                assertThat(tasks.attempts(claim.taskId())).singleElement().satisfies(a -> assertThat(a.status().name()).isEqualTo("RUNNING"));
            }
        }
    }

    /** The journal's writes with a test's hold around them; no claims. */
    private static GroupCommit.Writes writes(Function<List<AttemptEnd>, List<TaskStatus>> group, Function<AttemptEnd, TaskStatus> one) {
        return new GroupCommit.Writes() {
            @Override
            public TaskJournal.EndsAndClaims group(List<AttemptEnd> ends, String nodeId, int claims) {
                return new TaskJournal.EndsAndClaims(group.apply(ends), List.of());
            }

            @Override
            public TaskStatus one(AttemptEnd end) {
                return one.apply(end);
            }
        };
    }

    private static AttemptEnd succeeded(String id) {
        return new AttemptEnd(id, 1, AttemptOutcome.succeeded(1, 10L, 100L, 0, "{\"ok\":true}"), null, "succeeded");
    }

    private static List<String> claimed(TaskJournal tasks, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = UUID.randomUUID().toString();
            tasks.create(new NewTask(id, "t", null, ModuleStore.sha256(MODULE), 0, "{\"args\":[]}", null, null, null), MODULE);
            tasks.startAttempt(id, "node-a");
            ids.add(id);
        }
        return ids;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
