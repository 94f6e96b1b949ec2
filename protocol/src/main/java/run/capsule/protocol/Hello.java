package run.capsule.protocol;

/** Runner to engine, once, when the runner is ready to take attempts. */
public record Hello(int protocolVersion, long pid, String wasmtimeVersion) implements Message {
}
