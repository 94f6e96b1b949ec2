package run.capsule.protocol;

/** Engine to runner: are you there? Sent to a runner that has been idle before it is given an attempt; answered with {@link Pong}. */
public record Ping(long id) implements Message {
}
