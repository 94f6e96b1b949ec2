package run.capsule.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One journaled step of a task (docs/steps.md): a child-task call, an HTTP request, a clock reading, random bytes
 * or a sleep, numbered from 1 in the order the task made them. {@code request} and {@code outcome} are JSON text;
 * {@code outcome} is what the guest was answered. {@code childId} names the child task of a {@code child} step.
 * {@code heldBytes} above 0 marks a step the engine did not send with the attempt (its journaled bytes, too many for
 * the {@code run} frame): only {@code stepNo} and {@code kind} are set, and the runner fetches the whole step with a
 * {@code step.fetch} call when the replay reaches it.
 */
public record StepRecord(int stepNo, String kind, String target, String request, String outcome, String childId, long durationMs,
                         @JsonInclude(JsonInclude.Include.NON_DEFAULT) long heldBytes) {
    public static final String CHILD = "child";
    public static final String HTTP = "http";
    public static final String CLOCK = "clock";
    public static final String RANDOM = "random";
    public static final String SLEEP = "sleep";
    public static final String WAIT = "wait";

    public StepRecord(int stepNo, String kind, String target, String request, String outcome, String childId, long durationMs) {
        this(stepNo, kind, target, request, outcome, childId, durationMs, 0);
    }

    /** A step the engine holds back: the runner fetches it when the replay reaches it. */
    public static StepRecord held(int stepNo, String kind, long bytes) {
        return new StepRecord(stepNo, kind, null, null, null, null, 0, Math.max(1, bytes));
    }

    @JsonIgnore
    public boolean isHeld() {
        return heldBytes > 0;
    }

    /** What the step weighs against the task's {@code maxStepBytes}: its target, request and outcome as UTF-8. */
    @JsonIgnore
    public long journaledBytes() {
        return isHeld() ? heldBytes : utf8Length(target) + utf8Length(request) + utf8Length(outcome);
    }

    /** Whether {@code other} asks for the same thing: same kind, target and request. */
    public boolean sameRequest(StepRecord other) {
        return kind.equals(other.kind) && target.equals(other.target) && request.equals(other.request);
    }

    /** A short description for messages: {@code child 'fetch' {"args":[1],"kwargs":{}}}. */
    public String describe() {
        if (isHeld()) {
            return kind + " (" + heldBytes + " bytes, held by the engine)";
        }
        String shown = request.length() > 200 ? request.substring(0, 200) + "..." : request;
        return kind + " '" + target + "' " + shown;
    }

    static long utf8Length(String text) {
        if (text == null) {
            return 0;
        }
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
