package run.capsule.protocol;

/**
 * Runner to engine: a host call the runner cannot serve itself (child tasks, journaled steps; docs/protocol.md).
 * The guest blocks until the engine answers with an {@link EngineReply} of the same {@code callId}.
 */
public record EngineCall(String attemptId, long callId, EngineOp request) implements Message {
}
