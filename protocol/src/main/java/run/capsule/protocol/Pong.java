package run.capsule.protocol;

/** Runner to engine: the answer to the {@link Ping} with the same {@code id}, sent from the runner's protocol loop. */
public record Pong(long id) implements Message {
}
