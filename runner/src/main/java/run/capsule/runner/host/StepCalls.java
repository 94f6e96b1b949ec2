package run.capsule.runner.host;

import run.capsule.protocol.EngineOp;
import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.protocol.StepRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;

/**
 * The host-call ops that are steps (docs/steps.md): {@code http}, {@code task.start} and {@code task.call}
 * ({@code child}), a {@code task.wait} whose answer depends on which child finished first ({@code wait}), and the
 * runner's {@code sleep}. Each is answered from the journal while it replays, and
 * executed and journaled when live; when the attempt tracks no steps they behave as before.
 */
public final class StepCalls {
    /** The longest durable sleep: 366 days. */
    static final long MAX_SLEEP_MS = 366L * 24 * 3600 * 1000;
    static final int MAX_RANDOM_BYTES = 256;

    private final StepLog steps;
    private final EngineLink engine;
    private final String attemptId;
    private final long deadlineNanos;
    private WasiSteps randomSteps;

    StepCalls(StepLog steps, EngineLink engine, String attemptId, long deadlineNanos) {
        this.steps = steps;
        this.engine = engine;
        this.attemptId = attemptId;
        this.deadlineNanos = deadlineNanos;
    }

    /** Wraps {@code http} (when granted) and adds the child-task ops and {@code sleep} to {@code operations}. */
    static void install(Map<String, HostCallDispatcher.Operation> operations, StepLog steps, EngineLink engine, String attemptId,
                        long deadlineNanos) {
        StepCalls calls = new StepCalls(steps, engine, attemptId, deadlineNanos);
        steps.sendTo(calls::send);
        steps.fetchFrom(calls::fetch);
        HostCallDispatcher.Operation http = operations.get("http");
        if (http != null) {
            operations.put("http", request -> calls.http(http, request));
        }
        operations.put(EngineOp.TASK_START, calls::child);
        operations.put(EngineOp.TASK_CALL, calls::child);
        operations.put("sleep", calls::sleep);
        operations.put(EngineOp.TASK_WAIT, calls::waitForChildren);
        operations.put("random", calls::random);
    }

    /** {@code random}: {@code bytes} (1 to 256) random bytes as hex, a {@code random} step like WASI's {@code random_get}. */
    ObjectNode random(JsonNode request) throws HostCallException {
        int length = request.path("bytes").asInt(0);
        if (length < 1 || length > MAX_RANDOM_BYTES) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "random needs \"bytes\" from 1 to " + MAX_RANDOM_BYTES);
        }
        if (randomSteps == null) {
            randomSteps = new WasiSteps(steps); // its SecureRandom costs; most attempts never ask
        }
        return json().put("hex", HexFormat.of().formatHex(randomSteps.randomBytes(length)));
    }

    ObjectNode http(HostCallDispatcher.Operation gateway, JsonNode request) throws HostCallException {
        String method = request.path("method").asText("GET").toUpperCase(Locale.ROOT);
        String url = request.path("url").asText("");
        ObjectNode asked = json().put("method", method).put("url", url)
                .put("body_sha256", sha256(request.path("body").isTextual() ? request.get("body").asText() : ""));
        String target = method + " " + url;
        StepLog.Step step = steps.ask(StepRecord.HTTP, target, asked.toString());
        if (step.replayed()) {
            return outcome(step.journaled());
        }
        long started = System.nanoTime();
        ObjectNode reply;
        try {
            reply = gateway.handle(request);
        } catch (HostCallException e) {
            reply = HostCallDispatcher.error(e.type(), e.getMessage());
        }
        if (step.tracked() && steps.journaling()) {
            record(new StepRecord(step.stepNo(), StepRecord.HTTP, target, asked.toString(), reply.toString(), null, elapsedMs(started)));
        }
        return reply;
    }

    ObjectNode child(JsonNode guestRequest) throws HostCallException {
        EngineOp.ChildRequest request = (EngineOp.ChildRequest) GuestEngineOps.of(guestRequest);
        String task = request.task();
        ObjectNode asked = GuestEngineOps.asked(request);
        StepLog.Step step = steps.ask(StepRecord.CHILD, task, asked.toString());
        if (step.replayed()) {
            return replayChild(step.journaled(), request instanceof EngineOp.CallChild);
        }
        if (!step.tracked() || !steps.journaling()) {
            return suspendIfAsked(engine.call(attemptId, request, deadlineNanos));
        }
        long started = System.nanoTime();
        // counted before the engine creates (and journals) the child; its outcome, the child's id, is left out
        steps.admit(new StepRecord(step.stepNo(), StepRecord.CHILD, task, asked.toString(), null, null, 0));
        List<StepRecord> pending = steps.takePending();
        ObjectNode reply;
        try {
            reply = engine.call(attemptId, GuestEngineOps.withStep(request, new EngineOp.ChildStep(step.stepNo(), pending)), deadlineNanos);
        } catch (HostCallException e) {
            reply = HostCallDispatcher.error(e.type(), e.getMessage());
        }
        suspendIfAsked(reply);
        if (reply.has("error")) {
            // No child was created, so the engine journaled nothing: the refusal is this step's outcome.
            steps.restore(pending);
            steps.buffer(new StepRecord(step.stepNo(), StepRecord.CHILD, task, asked.toString(), reply.toString(), null, elapsedMs(started)));
        }
        return reply;
    }

    private ObjectNode replayChild(StepRecord journaled, boolean waits) throws HostCallException {
        ObjectNode outcome = outcome(journaled);
        if (outcome.has("error")) {
            return outcome;
        }
        String childId = journaled.childId() != null ? journaled.childId() : outcome.path("id").asText(null);
        if (childId == null) {
            throw new HostCallException(ErrorType.INTERNAL_ERROR, "journaled step " + journaled.stepNo() + " names no child task");
        }
        if (!waits) {
            return json().put("id", childId);
        }
        ObjectNode reply = suspendIfAsked(engine.call(attemptId, new EngineOp.WaitChildren(List.of(childId), false, null), deadlineNanos));
        if (reply.has("error")) {
            return reply;
        }
        JsonNode envelope = reply.path("results").get(childId);
        if (envelope == null) {
            throw new HostCallException(ErrorType.INTERNAL_ERROR, "the engine did not answer for child task " + childId);
        }
        ObjectNode answer = json();
        answer.set("envelope", envelope);
        return answer.put("id", childId);
    }

    /**
     * {@code task.wait}, to the engine. A wait for all of its children has one answer however they finish; one for any
     * of them ({@code any}) or until a timer ({@code timeout_ms}) is a {@code wait} step whose outcome is which children
     * had finished, {@code {"done": [ids]}} (or the error it was answered), so that a replay is answered those same
     * children in the same waits. The reply carries {@code elapsed_ms}, the wait's journaled length on replay, for a
     * guest whose event loop keeps its own clock.
     */
    ObjectNode waitForChildren(JsonNode guestRequest) throws HostCallException {
        EngineOp.WaitChildren request = (EngineOp.WaitChildren) GuestEngineOps.of(guestRequest);
        boolean any = request.any();
        if ((!any && request.timeoutMs() == null) || !steps.waitSteps()) {
            return suspendIfAsked(engine.call(attemptId, request, deadlineNanos));
        }
        TreeSet<String> ids = new TreeSet<>(request.ids());
        ObjectNode asked = json();
        ids.forEach(asked.putArray("ids")::add);
        asked.put("any", any);
        StepLog.Step step = steps.ask(StepRecord.WAIT, "children", asked.toString());
        if (step.replayed()) {
            ObjectNode outcome = outcome(step.journaled());
            if (outcome.has("error")) {
                return outcome;
            }
            JsonNode done = outcome.path("done");
            ObjectNode reply;
            if (!done.isArray() || done.isEmpty()) {
                reply = json();
                reply.putObject("results");
            } else {
                List<String> finished = new ArrayList<>();
                done.forEach(id -> finished.add(id.asText()));
                reply = suspendIfAsked(engine.call(attemptId, new EngineOp.WaitChildren(finished, false, null), deadlineNanos));
            }
            return reply.put("elapsed_ms", step.journaled().durationMs());
        }
        long started = System.nanoTime();
        ObjectNode reply;
        try {
            reply = engine.call(attemptId, request, deadlineNanos);
        } catch (HostCallException e) {
            reply = HostCallDispatcher.error(e.type(), e.getMessage());
        }
        suspendIfAsked(reply);
        long elapsed = elapsedMs(started);
        if (step.tracked() && steps.journaling()) {
            ObjectNode outcome;
            if (reply.has("error")) {
                outcome = reply.deepCopy();
            } else {
                outcome = json();
                reply.path("results").fieldNames().forEachRemaining(outcome.putArray("done")::add);
            }
            steps.buffer(new StepRecord(step.stepNo(), StepRecord.WAIT, "children", asked.toString(), outcome.toString(), null, elapsed));
        }
        return reply.has("error") ? reply : reply.put("elapsed_ms", elapsed);
    }

    /**
     * The engine answers a wait with {@code suspend} when its node has no runner to spare for a waiting task: the attempt
     * ends SUSPENDED and resumes by replay once its children end (or after {@code retry_ms}), adopting them.
     */
    private ObjectNode suspendIfAsked(ObjectNode reply) throws HostCallException {
        JsonNode error = reply.path("error");
        if (!ErrorType.SUSPEND.is(error.path("type").asText())) {
            return reply;
        }
        long until = System.currentTimeMillis() + Math.max(1, error.path("retry_ms").asLong(1000));
        throw steps.halt(new StepLog.Stop(ErrorType.SUSPENDED, error.path("message").asText("suspended while its child tasks run"), until));
    }

    ObjectNode sleep(JsonNode request) throws HostCallException {
        JsonNode seconds = request.path("seconds");
        if (!seconds.isNumber() || !(seconds.asDouble() >= 0 && seconds.asDouble() * 1000 <= MAX_SLEEP_MS)) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "\"seconds\" must be a number of seconds from 0 to " + MAX_SLEEP_MS / 1000 + " (366 days)");
        }
        long ms = Math.round(seconds.asDouble() * 1000);
        String asked = json().put("ms", ms).toString();
        StepLog.Step step = steps.ask(StepRecord.SLEEP, "sleep", asked);
        long suspendAfter = steps.suspendAfterMs();
        if (step.replayed()) {
            long until = outcome(step.journaled()).path("until_ms").asLong();
            long remaining = until - System.currentTimeMillis();
            if (remaining > 0 && suspendAfter > 0 && remaining > suspendAfter) {
                throw suspend(until, remaining);
            }
            blockUntil(until);
            return json().put("until_ms", until);
        }
        long started = System.nanoTime();
        long until = System.currentTimeMillis() + ms;
        ObjectNode outcome = json().put("until_ms", until);
        boolean journaled = step.tracked() && steps.journaling();
        if (journaled && suspendAfter > 0 && ms > suspendAfter) {
            record(new StepRecord(step.stepNo(), StepRecord.SLEEP, "sleep", asked, outcome.toString(), null, 0));
            throw suspend(until, ms);
        }
        blockUntil(until);
        if (journaled) {
            steps.buffer(new StepRecord(step.stepNo(), StepRecord.SLEEP, "sleep", asked, outcome.toString(), null, elapsedMs(started)));
        }
        return outcome;
    }

    private HostCallException suspend(long until, long ms) {
        return steps.halt(new StepLog.Stop(ErrorType.SUSPENDED,
                "suspended until " + Instant.ofEpochMilli(until) + " (a sleep of " + ms + " ms)", until));
    }

    /** Sleeps until the epoch time {@code untilMs}, never past the attempt's deadline (then the guest is stopped as timed out). */
    private void blockUntil(long untilMs) throws HostCallException {
        long remainingMs = untilMs - System.currentTimeMillis();
        if (remainingMs <= 0) {
            return;
        }
        long wake = System.nanoTime() + remainingMs * 1_000_000;
        boolean deadlineFirst = wake - deadlineNanos > 0;
        long end = deadlineFirst ? deadlineNanos : wake;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                deadlineFirst = true;
                break;
            }
        }
        if (deadlineFirst) {
            throw steps.halt(new StepLog.Stop(ErrorType.TIMEOUT, "the attempt's deadline came during a sleep", null));
        }
    }

    /** Sends the buffered steps and {@code step} to the engine before the guest sees the step's outcome. */
    private void record(StepRecord step) throws HostCallException {
        steps.admit(step);
        List<StepRecord> batch = new ArrayList<>(steps.takePending());
        batch.add(step);
        send(batch);
    }

    /** {@code step.record}: journals {@code batch}; on failure puts it back to travel with the result and stops the guest. */
    private void send(List<StepRecord> batch) throws HostCallException {
        if (batch.isEmpty()) {
            return;
        }
        String failure;
        try {
            ObjectNode reply = engine.call(attemptId, new EngineOp.RecordSteps(batch), deadlineNanos);
            if (!reply.has("error")) {
                return;
            }
            failure = reply.path("error").path("message").asText("the engine refused it");
        } catch (HostCallException e) {
            failure = e.getMessage();
        }
        steps.restore(batch);
        ErrorType type = System.nanoTime() - deadlineNanos >= 0 ? ErrorType.TIMEOUT : ErrorType.INTERNAL_ERROR;
        StepRecord last = batch.get(batch.size() - 1);
        throw steps.halt(new StepLog.Stop(type, "step " + last.stepNo() + " could not be journaled: " + failure, null));
    }

    /** {@code step.fetch}: a journaled step the engine did not send with the attempt, {@code {"step": StepRecord}}. */
    private StepRecord fetch(int stepNo) throws HostCallException {
        ObjectNode reply = engine.call(attemptId, new EngineOp.FetchStep(stepNo), deadlineNanos);
        if (reply.has("error")) {
            throw new HostCallException(ErrorType.INTERNAL_ERROR, reply.path("error").path("message").asText("the engine refused it"));
        }
        try {
            return HostCallDispatcher.JSON.readerFor(StepRecord.class)
                    .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(reply.path("step"));
        } catch (IOException | IllegalArgumentException e) {
            throw new HostCallException(ErrorType.INTERNAL_ERROR, "the engine's step.fetch reply is no step: " + e.getMessage());
        }
    }

    private static ObjectNode outcome(StepRecord journaled) throws HostCallException {
        try {
            JsonNode node = HostCallDispatcher.JSON.readTree(journaled.outcome());
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new HostCallException(ErrorType.INTERNAL_ERROR, "journaled step " + journaled.stepNo() + " has no valid outcome");
    }

    static ObjectNode json() {
        return HostCallDispatcher.JSON.createObjectNode();
    }

    static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
