package run.capsule.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/** Engine to runner: the answer to the {@link EngineCall} with the same {@code callId}, a host-call reply object. */
public record EngineReply(String attemptId, long callId, JsonNode reply) implements Message {
}
