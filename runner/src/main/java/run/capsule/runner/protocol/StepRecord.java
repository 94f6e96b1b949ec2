package run.capsule.runner.protocol;

/**
 * One journaled step of a task (docs/steps.md): a child-task call, an HTTP request, a clock reading, random bytes
 * or a sleep, numbered from 1 in the order the task made them. {@code request} and {@code outcome} are JSON text;
 * {@code outcome} is what the guest was answered. {@code childId} names the child task of a {@code child} step.
 */
public record StepRecord(int stepNo, String kind, String target, String request, String outcome, String childId, long durationMs) {
    public static final String CHILD = "child";
    public static final String HTTP = "http";
    public static final String CLOCK = "clock";
    public static final String RANDOM = "random";
    public static final String SLEEP = "sleep";
    public static final String WAIT = "wait";

    /** Whether {@code other} asks for the same thing: same kind, target and request. */
    public boolean sameRequest(StepRecord other) {
        return kind.equals(other.kind) && target.equals(other.target) && request.equals(other.request);
    }

    /** A short description for messages: {@code child 'fetch' {"args":[1],"kwargs":{}}}. */
    public String describe() {
        String shown = request.length() > 200 ? request.substring(0, 200) + "..." : request;
        return kind + " '" + target + "' " + shown;
    }
}
