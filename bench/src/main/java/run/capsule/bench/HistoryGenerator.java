package run.capsule.bench;

import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.TableRecord;
import org.jooq.impl.DSL;
import run.capsule.store.Journal;
import run.capsule.store.jooq.tables.records.AttemptsRecord;
import run.capsule.store.jooq.tables.records.HostRequestsRecord;
import run.capsule.store.jooq.tables.records.StepsRecord;
import run.capsule.store.jooq.tables.records.TaskEventsRecord;
import run.capsule.store.jooq.tables.records.TasksRecord;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.HOST_REQUESTS;
import static run.capsule.store.jooq.Tables.STEPS;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;

/**
 * Fills a journal with finished tasks of realistic shape (issue 17 item 1), through the store's jOOQ records in batched
 * inserts: 40 task names of skewed popularity, a third of jobs parents with 1-5 children started by child steps,
 * Python, JavaScript and WebAssembly configs, retries (a FAILED attempt, then the last), failures of every error type,
 * cancellations, node-loss recoveries, clock and random steps and host requests; times spread over {@code spanDays}. No
 * labels and no guest output (attempt_output): the bytes per task it reports leave those out.
 */
final class HistoryGenerator {
    static final String[] ERROR_TYPES = {"task_error", "timeout", "fuel_exhausted", "memory_limit", "nondeterminism", "runner_crashed", "lost",
            "invalid_input", "internal_error", "limit_exceeded"};
    private static final String[] HOSTS = {"api.openai.com", "api.anthropic.com", "api.github.com", "hooks.slack.com", "www.googleapis.com",
            "api.stripe.com", "example.org", "httpbin.org", "s3.amazonaws.com", "pypi.org", "registry.npmjs.org", "news.ycombinator.com"};
    private static final String[] LANGUAGES = {"python", "javascript", null};
    private static final int NAMES = 40;
    private static final int BATCH_TASKS = 2000;

    private final Journal journal;
    private final SplittableRandom random;
    private final OffsetDateTime now;
    private final long spanMillis;
    private final String[] modules = new String[NAMES];
    private final List<TableRecord<?>> tasks = new ArrayList<>();
    private final List<TableRecord<?>> attempts = new ArrayList<>();
    private final List<TableRecord<?>> events = new ArrayList<>();
    private final List<TableRecord<?>> steps = new ArrayList<>();
    private final List<TableRecord<?>> requests = new ArrayList<>();

    HistoryGenerator(Journal journal, long seed, int spanDays) {
        this.journal = journal;
        this.random = new SplittableRandom(seed);
        this.now = journal.nodes().databaseNow();
        this.spanMillis = spanDays * 86_400_000L;
        for (int i = 0; i < NAMES; i++) {
            byte[] module = ("\0asm generated module of task " + i + " " + "x".repeat(2000)).getBytes(StandardCharsets.UTF_8);
            modules[i] = journal.modules().put(module);
        }
    }

    /** Journals {@code count} finished tasks; returns how many it wrote (whole jobs, so up to five more). */
    long generate(long count) {
        long written = 0;
        while (written < count) {
            written += job();
            if (tasks.size() >= BATCH_TASKS) {
                flush();
            }
        }
        flush();
        return written;
    }

    private int job() {
        int name = skewedName();
        OffsetDateTime created = now.minusNanos((long) (random.nextDouble() * spanMillis) * 1_000_000L);
        boolean parent = random.nextInt(3) == 0;
        int children = parent ? 1 + random.nextInt(5) : 0;
        String rootId = uuid7(created);
        task(rootId, null, name, created, children);
        List<String> childIds = new ArrayList<>();
        OffsetDateTime childTime = created.plusNanos(200_000_000L);
        for (int c = 0; c < children; c++) {
            String childId = uuid7(childTime);
            childIds.add(childId);
            task(childId, rootId, (name + 1 + c) % NAMES, childTime, 0);
            childTime = childTime.plusNanos((long) (50 + random.nextInt(2000)) * 1_000_000L);
        }
        for (int c = 0; c < children; c++) {
            step(rootId, c + 1, "child", "task" + ((name + 1 + c) % NAMES), "{\"args\":[],\"kwargs\":{}}", "{\"id\":\"" + childIds.get(c) + "\"}",
                    childIds.get(c), created.plusNanos(100_000_000L));
        }
        return 1 + children;
    }

    /** Roughly Zipf: a few names do most of the work. */
    private int skewedName() {
        return (int) Math.min(NAMES - 1, Math.floor(Math.pow(random.nextDouble(), 2.5) * NAMES));
    }

    private void task(String id, String parentId, int name, OffsetDateTime created, int childSteps) {
        int roll = random.nextInt(100);
        String status = roll < 85 ? "SUCCEEDED" : roll < 97 ? "FAILED" : "CANCELLED";
        boolean retried = random.nextInt(10) == 0;
        boolean recovered = random.nextInt(200) == 0;
        String language = LANGUAGES[name % LANGUAGES.length];
        String node = "worker-" + random.nextInt(8) + "/" + (1000 + random.nextInt(9000));
        OffsetDateTime at = created.plusNanos((long) (5 + random.nextInt(200)) * 1_000_000L);
        TaskEventsRecord submitted = event(id, null, created, null, "PENDING", "submitted");
        events.add(submitted);
        int attemptNo = 0;
        int totalAttempts = 1 + (retried ? 1 + random.nextInt(2) : 0) + (recovered ? 1 : 0);
        String errorType = null;
        String errorMessage = null;
        for (int a = 1; a <= totalAttempts; a++) {
            attemptNo = a;
            boolean last = a == totalAttempts;
            boolean abandoned = recovered && a == 1;
            long duration = 20 + (long) (random.nextDouble() * random.nextDouble() * 30_000);
            OffsetDateTime end = at.plusNanos(duration * 1_000_000L);
            events.add(event(id, a, at, "PENDING", "RUNNING", "claimed by " + node + ": attempt " + a + " started"));
            String attemptStatus;
            if (abandoned) {
                attemptStatus = "ABANDONED";
                events.add(event(id, a, end, "RUNNING", "PENDING", "abandoned: node " + node + " lost (no heartbeat for 10000 ms); queued again"));
            } else if (!last) {
                attemptStatus = "FAILED";
                errorType = "task_error";
                events.add(event(id, a, end, "RUNNING", "RETRY_WAIT", "failed: task_error: upstream returned 503; retry " + a + " scheduled"));
                events.add(event(id, a, end.plusSeconds(2), "RETRY_WAIT", "PENDING", "retry due (timer)"));
            } else {
                attemptStatus = status.equals("SUCCEEDED") ? "SUCCEEDED" : status.equals("FAILED") ? "FAILED" : "CANCELLED";
                errorType = status.equals("FAILED") ? ERROR_TYPES[random.nextInt(ERROR_TYPES.length)] : status.equals("CANCELLED") ? "cancelled" : null;
                errorMessage = errorType == null ? null : message(errorType);
                events.add(event(id, a, end, "RUNNING", status, status.equals("SUCCEEDED") ? "succeeded" : errorType + ": " + errorMessage));
            }
            attempts.add(attempt(id, "task" + name, a, node, attemptStatus, at, end, duration,
                    attemptStatus.equals("FAILED") ? (last ? errorType : "task_error") : attemptStatus.equals("CANCELLED") ? "cancelled" : null,
                    attemptStatus.equals("FAILED") ? (last ? errorMessage : "upstream returned 503") : null));
            if (random.nextInt(10) < 3) {
                int n = 1 + random.nextInt(3);
                for (int s = 1; s <= n; s++) {
                    requests.add(request(id, "task" + name, a, s, at.plusNanos(s * 3_000_000L)));
                }
            }
            at = end.plusSeconds(abandoned ? 10 : 3);
        }
        if (language != null && childSteps == 0 && random.nextBoolean()) {
            step(id, 1, "clock", "realtime", "{}", "{\"ns\":" + (created.toEpochSecond() * 1_000_000_000L) + "}", null, created);
            step(id, 2, "random", "bytes", "{\"len\":16}", "{\"hex\":\"" + Long.toHexString(random.nextLong()) + "\"}", null, created);
        }
        OffsetDateTime finished = at.minusSeconds(3);
        TasksRecord task = journal.dsl().newRecord(TASKS);
        task.setId(id);
        task.setName("task" + name);
        task.setStatus(status);
        task.setParentId(parentId);
        task.setModuleSha256(modules[name]);
        task.setCreatedAt(created);
        task.setUpdatedAt(finished);
        task.setAttempts(attemptNo);
        task.setMaxRetries(retried ? 3 : 1);
        task.setResult(status.equals("SUCCEEDED") ? "{\"summary\":\"processed " + random.nextInt(10_000) + " items\",\"ok\":true}" : null);
        task.setErrorType(status.equals("SUCCEEDED") ? null : errorType);
        task.setErrorMessage(status.equals("SUCCEEDED") ? null : errorMessage);
        task.setConfig(config(name, language, parentId != null));
        task.setLanguage(language == null ? "wasm" : language);
        task.setRootId(parentId == null ? id : parentId);
        task.setRunAt(created);
        task.setClaimedBy(node);
        task.setRecoveries(recovered ? 1 : 0);
        task.setCancelRequested(status.equals("CANCELLED"));
        tasks.add(task);
    }

    private String message(String errorType) {
        return switch (errorType) {
            case "task_error" -> "ValueError: could not parse response from upstream (line " + random.nextInt(400) + ")";
            case "timeout" -> "attempt exceeded its timeout of 30000 ms";
            case "fuel_exhausted" -> "fuel exhausted after 10000000000 units";
            case "memory_limit" -> "guest memory would exceed 268435456 bytes";
            case "lost" -> "abandoned 3 times; last: node worker-2/4411 lost";
            default -> errorType.replace('_', ' ') + " (generated)";
        };
    }

    private static String config(int name, String language, boolean child) {
        String program = language == null ? "" : ",\"program\":{\"language\":\"" + language + "\",\"file\":\"agents/task" + name
                + (language.equals("python") ? ".py" : ".js") + "\",\"task\":\"task" + name + "\",\"step_format\":2,\"depth\":" + (child ? 1 : 0)
                + ",\"input\":{\"args\":[\"https://example.org/item/" + name + "\"],\"kwargs\":{}}}";
        return "{\"module\":\"/srv/agents/task" + name + ".wasm\",\"module_sha256\":\"generated\",\"args\":[\"--item\",\"" + name + "\"],"
                + "\"limits\":{\"compute\":\"standard\",\"fuel\":10000000000,\"ram_bytes\":268435456,\"timeout_ms\":30000,"
                + "\"output_bytes\":1048576,\"write_quota_bytes\":67108864},\"retry\":{\"max_retries\":1,\"initial_backoff_ms\":1000,"
                + "\"multiplier\":2.0,\"max_backoff_ms\":60000,\"jitter\":0.1,\"never_retry\":[]},\"mounts\":[],"
                + "\"allowed_hosts\":[\"api.openai.com:443\",\"api.github.com:443\"],\"env\":[\"OPENAI_API_KEY\"],\"not_enforced\":[]" + program + "}";
    }

    private TaskEventsRecord event(String taskId, Integer attemptNo, OffsetDateTime at, String from, String to, String reason) {
        TaskEventsRecord e = journal.dsl().newRecord(TASK_EVENTS);
        e.setTaskId(taskId);
        e.setAttemptNo(attemptNo);
        e.setAt(at);
        e.setFromStatus(from);
        e.setToStatus(to);
        e.setReason(reason);
        return e;
    }

    private AttemptsRecord attempt(String taskId, String taskName, int no, String node, String status, OffsetDateTime start, OffsetDateTime end, long duration,
                                   String errorType, String errorMessage) {
        AttemptsRecord a = journal.dsl().newRecord(ATTEMPTS);
        a.setTaskId(taskId);
        a.setTaskName(taskName);
        a.setAttemptNo(no);
        a.setNodeId(node);
        a.setStatus(status);
        a.setStartedAt(start);
        a.setFinishedAt(end);
        a.setDurationMs(duration);
        a.setFuelConsumed(1_000_000L + (long) (random.nextDouble() * random.nextDouble() * 5_000_000_000L));
        a.setRamUsed(65536L * (16 + random.nextInt(2000)));
        a.setExitCode(status.equals("SUCCEEDED") ? Integer.valueOf(0) : status.equals("FAILED") ? Integer.valueOf(1) : null);
        a.setErrorType(errorType);
        a.setErrorMessage(errorMessage);
        a.setErrorDetail("task_error".equals(errorType)
                ? "Traceback (most recent call last):\n  File \"agent.py\", line 42, in main\nValueError: " + errorMessage : null);
        return a;
    }

    private HostRequestsRecord request(String taskId, String taskName, int attemptNo, int seq, OffsetDateTime at) {
        HostRequestsRecord r = journal.dsl().newRecord(HOST_REQUESTS);
        String host = HOSTS[(int) Math.min(HOSTS.length - 1, Math.floor(Math.pow(random.nextDouble(), 2) * HOSTS.length))];
        r.setTaskId(taskId);
        r.setTaskName(taskName);
        r.setAttemptNo(attemptNo);
        r.setSeq(seq);
        r.setAt(at);
        r.setMethod(random.nextInt(3) == 0 ? "POST" : "GET");
        r.setUrl("https://" + host + "/v1/resource/" + random.nextInt(100_000) + "?page=" + random.nextInt(10));
        r.setHeaders("{\"accept\":\"application/json\",\"authorization\":\"[redacted]\"}");
        r.setStatus(random.nextInt(20) == 0 ? 500 : 200);
        r.setBytesSent(random.nextInt(3) == 0 ? 200L + random.nextInt(4000) : 0L);
        r.setBytesReceived(500L + random.nextInt(60_000));
        r.setDurationMs(20L + random.nextInt(800));
        return r;
    }

    private void step(String taskId, int no, String kind, String target, String request, String outcome, String childId, OffsetDateTime at) {
        StepsRecord s = journal.dsl().newRecord(STEPS);
        s.setTaskId(taskId);
        s.setStepNo(no);
        s.setKind(kind);
        s.setTarget(target);
        s.setRequest(request);
        s.setOutcome(outcome);
        s.setChildId(childId);
        s.setAttemptNo(1);
        s.setAt(at);
        s.setDurationMs(1L + random.nextInt(50));
        s.setReplays(0);
        steps.add(s);
    }

    private void flush() {
        if (tasks.isEmpty()) {
            return;
        }
        journal.dsl().transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            insert(tx, TASKS, tasks);
            insert(tx, ATTEMPTS, attempts);
            insert(tx, TASK_EVENTS, events);
            insert(tx, STEPS, steps);
            insert(tx, HOST_REQUESTS, requests);
        });
        tasks.clear();
        attempts.clear();
        events.clear();
        steps.clear();
        requests.clear();
    }

    /** Multi-row INSERTs of 400 rows (under PostgreSQL's limit of bind values), of the columns the records set. */
    private static void insert(DSLContext tx, Table<?> table, List<TableRecord<?>> records) {
        if (records.isEmpty()) {
            return;
        }
        Field<?>[] fields = Arrays.stream(table.fields()).filter(f -> records.get(0).changed(f)).toArray(Field[]::new);
        for (int from = 0; from < records.size(); from += 400) {
            var insert = tx.insertInto(table, fields);
            for (TableRecord<?> r : records.subList(from, Math.min(records.size(), from + 400))) {
                insert = insert.values(Arrays.stream(fields).map(r::get).toList());
            }
            insert.execute();
        }
    }

    /** A UUID version 7 for the given time, so that ids sort by creation like the engine's. */
    private String uuid7(OffsetDateTime at) {
        long millis = at.toInstant().toEpochMilli();
        long msb = (millis << 16) | (0x7L << 12) | random.nextInt(1 << 12);
        long lsb = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
