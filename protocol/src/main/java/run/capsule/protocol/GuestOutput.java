package run.capsule.protocol;

/** Runner to engine while an attempt runs: new bytes the guest wrote to {@code stream} ("stderr"). */
public record GuestOutput(String attemptId, String stream, String text) implements Message {
}
