package run.capsule.store;

import run.capsule.protocol.HostRequest;
import run.capsule.protocol.StepRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static run.capsule.store.jooq.Tables.TASKS;

/** Builds real task trees through the journal's own writes: parents that start children, attempts, steps, requests. */
final class JournalTrees {
    static final byte[] MODULE = "\0asm-history".getBytes(StandardCharsets.UTF_8);

    private final Journal journal;

    JournalTrees(Journal journal) {
        this.journal = journal;
    }

    String root(String name, byte[] module) {
        String id = UUID.randomUUID().toString();
        // labels and output as the service journals them, so a prune must delete those rows too
        journal.tasks().create(new NewTask(id, name, null, ModuleStore.sha256(module), 1, "{\"args\":[]}")
                .withLabels(Map.of("team", "history"), null), module);
        return id;
    }

    /** A child started by a running parent through a journaled child step. */
    String child(String parentId, String name, int stepNo) {
        String id = UUID.randomUUID().toString();
        int parentAttempt = journal.tasks().find(parentId).orElseThrow().attempts();
        journal.tasks().createChild(new NewTask(id, name, parentId, ModuleStore.sha256(MODULE), 0, "{\"args\":[]}"), MODULE, parentAttempt,
                List.of(new StepRecord(stepNo, "child", name, "{\"args\":[]}", "{\"id\":\"" + id + "\"}", id, 1)));
        return id;
    }

    int start(String id) {
        return journal.tasks().startAttempt(id, "node-a");
    }

    void succeed(String id, String host) {
        int attempt = start(id);
        finish(id, attempt, AttemptOutcome.succeeded(12, 1000L, 65536L, 0, "\"ok\""), host);
    }

    void succeedStarted(String id, String host) {
        finish(id, journal.tasks().find(id).orElseThrow().attempts(), AttemptOutcome.succeeded(12, 1000L, 65536L, 0, "\"ok\""), host);
    }

    /** Fails the task's attempt, starting one if it is not running. */
    void fail(String id, String errorType) {
        TaskRow task = journal.tasks().find(id).orElseThrow();
        int attempt = task.status() == TaskStatus.RUNNING ? task.attempts() : start(id);
        finish(id, attempt, AttemptOutcome.failed(5, 10L, 65536L, 1, errorType, errorType + " happened"), null);
    }

    private void finish(String id, int attempt, AttemptOutcome outcome, String host) {
        outcome = outcome.withOutput(new AttemptOutput("out of " + id, false, "", false));
        AttemptOutcome withRequests = host == null ? outcome : outcome.withHostRequests(List.of(new HostRequest(1, System.currentTimeMillis(), "GET",
                "https://" + host + "/v1/items?page=1", Map.of(), 200, 0L, 2048L, 30L, null)));
        journal.tasks().finishAttempt(id, attempt, withRequests, false, "finished");
    }

    /** Moves the tasks' times into the past, as if they had finished {@code ago}. */
    void age(Duration ago, String... ids) {
        OffsetDateTime then = journal.nodes().databaseNow().minus(ago);
        journal.dsl().update(TASKS).set(TASKS.UPDATED_AT, then).set(TASKS.CREATED_AT, then).where(TASKS.ID.in(ids)).execute();
    }
}
