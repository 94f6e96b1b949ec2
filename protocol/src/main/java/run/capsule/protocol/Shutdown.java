package run.capsule.protocol;

/** Engine to runner: exit once the current attempt (if any) has been reported. */
public record Shutdown() implements Message {
}
