package run.capsule.protocol;

/**
 * Runner to engine: the guest's {@code _start} is about to run; the attempt's timeout counts from here, so
 * reading, rewriting and compiling the module never count against it.
 */
public record Started(String attemptId) implements Message {
}
