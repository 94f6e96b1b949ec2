package run.capsule.protocol;

/**
 * Runner to engine: the runner is about to compile the module of this attempt (it was not among its compiled
 * modules). If the runner dies before {@link Started} or {@link AttemptResult}, the module killed the compiler.
 */
public record Compiling(String attemptId, String moduleSha256) implements Message {
}
