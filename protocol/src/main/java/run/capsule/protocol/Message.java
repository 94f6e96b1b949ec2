package run.capsule.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The engine-runner protocol: every frame carries exactly one of these, tagged by {@code type}.
 * Documented in docs/protocol.md.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Hello.class, name = "hello"),
        @JsonSubTypes.Type(value = RunAttempt.class, name = "run"),
        @JsonSubTypes.Type(value = Compiling.class, name = "compiling"),
        @JsonSubTypes.Type(value = Started.class, name = "started"),
        @JsonSubTypes.Type(value = GuestOutput.class, name = "output"),
        @JsonSubTypes.Type(value = AttemptResult.class, name = "result"),
        @JsonSubTypes.Type(value = Shutdown.class, name = "shutdown"),
        @JsonSubTypes.Type(value = EngineCall.class, name = "call"),
        @JsonSubTypes.Type(value = EngineReply.class, name = "reply"),
        @JsonSubTypes.Type(value = Ping.class, name = "ping"),
        @JsonSubTypes.Type(value = Pong.class, name = "pong"),
})
public sealed interface Message permits Hello, RunAttempt, Compiling, Started, GuestOutput, AttemptResult, Shutdown, EngineCall, EngineReply, Ping, Pong {
    int PROTOCOL_VERSION = 6;
}
