package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Durability;
import run.capsule.protocol.StepRecord;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The steps of one attempt (docs/steps.md): numbers the steps the guest makes once its function began, answers
 * them from the journal while journaled steps remain, and keeps the live steps not yet sent to the engine.
 * Decides nothing about how a step is executed; {@link StepCalls} and the sandbox's WASI takeovers do.
 * Used by the guest's thread only, apart from {@link #stop()} being read after the guest ended.
 */
public final class StepLog {
    /** Buffered steps are sent to the engine once this many are waiting (docs/steps.md). */
    public static final int FLUSH_STEPS = 1024;
    /** ... or once they weigh this many journaled bytes. */
    public static final long FLUSH_BYTES = 1024 * 1024;

    private final List<StepRecord> journal;
    private final boolean journalSteps;
    private final int maxSteps;
    private final long maxStepBytes;
    private long journaledBytes;
    private long pendingBytes;
    private StepSink sink;
    private StepSource source;
    private final long suspendAfterMs;
    private final boolean waitSteps;
    private final BooleanSupplier begun;
    private final List<StepRecord> pending = new ArrayList<>();
    private int asked;
    private int replayed;
    private volatile Stop stop;

    /** Why the guest was stopped from inside a step: the attempt ends with {@code errorType}. */
    public record Stop(ErrorType errorType, String message, Long resumeAtEpochMs) {
    }

    /** Sends a batch of live steps to the engine ({@code step.record}); on failure, puts them back and throws the stop. */
    @FunctionalInterface
    public interface StepSink {
        void send(List<StepRecord> batch) throws HostCallException;
    }

    /** Fetches a journaled step the engine held back from the attempt ({@code step.fetch}). */
    @FunctionalInterface
    public interface StepSource {
        StepRecord fetch(int stepNo) throws HostCallException;
    }

    /**
     * A step the guest asks for: its number, and the journaled record answering it (null: live). {@code tracked}
     * false means it is no step at all (the function has not begun, or nothing is journaled nor replayed).
     */
    public record Step(int stepNo, StepRecord journaled, boolean tracked) {
        static final Step UNTRACKED = new Step(0, null, false);

        public boolean replayed() {
            return journaled != null;
        }
    }

    public StepLog(Durability durability, BooleanSupplier begun) {
        this.journal = durability.steps().stream().sorted(Comparator.comparingInt(StepRecord::stepNo)).toList();
        this.journalSteps = durability.journalSteps();
        this.suspendAfterMs = durability.suspendAfterMs();
        this.waitSteps = durability.stepFormat() >= Durability.WAIT_STEPS;
        this.maxSteps = durability.maxSteps();
        this.maxStepBytes = durability.maxStepBytes();
        this.journaledBytes = journal.stream().mapToLong(StepRecord::journaledBytes).sum();
        this.begun = begun;
    }

    /** Where buffered steps go once {@link #FLUSH_STEPS} or {@link #FLUSH_BYTES} are waiting; without one they wait for the result. */
    public void sendTo(StepSink sink) {
        this.sink = sink;
    }

    /** Where journaled steps the engine held back come from. */
    public void fetchFrom(StepSource source) {
        this.source = source;
    }

    /** Whether a wait for whichever child finishes first is a step (the task's step format has them). */
    public boolean waitSteps() {
        return waitSteps;
    }

    /** Whether clock and random readings may become steps in this attempt (the sandbox takes them over only then). */
    public boolean enabled() {
        return journalSteps || !journal.isEmpty();
    }

    public boolean journaling() {
        return journalSteps;
    }

    public long suspendAfterMs() {
        return suspendAfterMs;
    }

    /** Journaled steps remain to be answered: the time they took has already passed, sleeps return at once. */
    public boolean replaying() {
        return asked < journal.size();
    }

    /** Whether the guest's next call of this kind would be a step (it is journaled or replayed). */
    public boolean tracks() {
        return begun.getAsBoolean() && (replaying() || journalSteps);
    }

    /**
     * Numbers the step the guest asks for. While journaled steps remain, compares it with the journaled one: the
     * same request is answered from the journal; anything else stops the guest as {@code nondeterminism}.
     *
     * @throws HostCallException with type {@code nondeterminism} after recording the {@link #stop()}
     */
    public Step ask(String kind, String target, String request) throws HostCallException {
        if (!tracks()) {
            return Step.UNTRACKED;
        }
        if (asked >= maxSteps) {
            throw halt(new Stop(ErrorType.LIMIT_EXCEEDED, "the task asked for step " + (asked + 1) + ", over its step limit (maxSteps) of "
                    + maxSteps + " steps", null));
        }
        int stepNo = ++asked;
        if (stepNo > journal.size()) {
            return new Step(stepNo, null, true);
        }
        StepRecord journaled = journal.get(stepNo - 1);
        if (journaled.stepNo() != stepNo) {
            throw halt(new Stop(ErrorType.INTERNAL_ERROR, "the journal holds no step " + stepNo + " (its next is step " + journaled.stepNo() + ")", null));
        }
        if (journaled.isHeld()) {
            journaled = fetch(journaled);
        }
        StepRecord now = new StepRecord(stepNo, kind, target, request, null, null, 0);
        if (!same(journaled, now)) {
            String message = "the task diverged from its journal at step " + stepNo + ": journaled " + journaled.describe()
                    + ", asked " + now.describe();
            throw halt(new Stop(ErrorType.NONDETERMINISM, message, null));
        }
        replayed++;
        return new Step(stepNo, journaled, true);
    }

    private StepRecord fetch(StepRecord held) throws HostCallException {
        String failure;
        try {
            if (source == null) {
                failure = "no engine to fetch it from";
            } else {
                StepRecord step = source.fetch(held.stepNo());
                if (step != null && step.stepNo() == held.stepNo() && !step.isHeld() && step.kind() != null && step.target() != null
                        && step.request() != null) {
                    return step;
                }
                failure = "the engine answered another step";
            }
        } catch (HostCallException e) {
            failure = e.getMessage();
        }
        throw halt(new Stop(ErrorType.INTERNAL_ERROR, "journaled step " + held.stepNo() + " could not be fetched: " + failure, null));
    }

    /**
     * Keeps a live step to be sent with the next step sent to the engine, or with the attempt's result; sends the
     * buffer once it holds {@link #FLUSH_STEPS} steps or {@link #FLUSH_BYTES} bytes, so that it never grows without bound.
     *
     * @throws HostCallException with type {@code limit_exceeded} when the step would take the task past {@code maxStepBytes}
     */
    public void buffer(StepRecord step) throws HostCallException {
        if (!journalSteps) {
            return;
        }
        admit(step);
        pending.add(step);
        pendingBytes += step.journaledBytes();
        if (sink != null && (pending.size() >= FLUSH_STEPS || pendingBytes >= FLUSH_BYTES)) {
            sink.send(takePending());
        }
    }

    /**
     * Counts a live step against the task's {@code maxStepBytes}: the step is not journaled and the guest is stopped
     * as {@code limit_exceeded} when it would go past it.
     */
    public void admit(StepRecord step) throws HostCallException {
        long bytes = step.journaledBytes();
        if (journaledBytes + bytes > maxStepBytes) {
            throw halt(new Stop(ErrorType.LIMIT_EXCEEDED, "step " + step.stepNo() + " (" + step.kind() + ", " + bytes + " bytes) would take the task's "
                    + "journaled steps to " + (journaledBytes + bytes) + " bytes, over its limit (maxStepBytes) of " + maxStepBytes + " bytes", null));
        }
        journaledBytes += bytes;
    }

    /** The bytes of the task's steps, journaled and live, counted so far. */
    public long journaledBytes() {
        return journaledBytes;
    }

    /** Takes the buffered steps, to send them to the engine now. */
    public List<StepRecord> takePending() {
        List<StepRecord> taken = List.copyOf(pending);
        pending.clear();
        pendingBytes = 0;
        return taken;
    }

    /** Puts steps back that could not be sent, ahead of any buffered since. */
    public void restore(List<StepRecord> steps) {
        pending.addAll(0, steps);
        pendingBytes += steps.stream().mapToLong(StepRecord::journaledBytes).sum();
    }

    /** How many live steps wait to be sent. */
    public int pendingCount() {
        return pending.size();
    }

    /** Records why the guest must stop and returns the exception that makes the host call fail. */
    public HostCallException halt(Stop why) {
        if (stop == null) {
            stop = why;
        }
        return new HostCallException(why.errorType(), why.message());
    }

    /** Why the guest was stopped from inside a step, or null. */
    public Stop stop() {
        return stop;
    }

    public int replayed() {
        return replayed;
    }

    /** Live steps never sent to the engine: they travel with the attempt's result. */
    public List<StepRecord> leftover() {
        return List.copyOf(pending);
    }

    /**
     * How the steps change the attempt's ending: a stop from inside a step wins (a timeout the sandbox reports
     * itself); a guest that ended well having
     * asked for fewer steps than the journal holds diverged. Null: the ending stands.
     */
    public Stop verdict(String errorType) {
        if (stop != null) {
            return stop.errorType().equals(ErrorType.TIMEOUT) ? null : stop;
        }
        if (errorType == null && asked < journal.size()) {
            StepRecord missing = journal.get(asked);
            return new Stop(ErrorType.NONDETERMINISM, "the task ended after " + asked + " steps but its journal holds " + journal.size()
                    + ": journaled step " + missing.stepNo() + " " + missing.describe() + " was not asked for", null);
        }
        return null;
    }

    /** Same kind, target and request; requests are compared as JSON when their text differs (the engine may format them). */
    static boolean same(StepRecord journaled, StepRecord asked) {
        if (journaled.sameRequest(asked)) {
            return true;
        }
        if (!journaled.kind().equals(asked.kind()) || !journaled.target().equals(asked.target())) {
            return false;
        }
        try {
            JsonNode a = HostCallDispatcher.JSON.readTree(journaled.request());
            JsonNode b = HostCallDispatcher.JSON.readTree(asked.request());
            return a != null && a.equals(b);
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
