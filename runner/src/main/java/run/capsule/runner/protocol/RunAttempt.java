package run.capsule.runner.protocol;

import java.util.List;
import java.util.Map;

/**
 * Engine to runner: run one attempt of a WASI command module. The module file at {@code modulePath} holds
 * the bytes whose sha-256 is {@code moduleSha256}; the runner caches the compiled module under that digest.
 * {@code args} excludes argv[0], which is {@code programName}.
 */
public record RunAttempt(
        String attemptId,
        String moduleSha256,
        String modulePath,
        String programName,
        List<String> args,
        Map<String, String> env,
        List<Mount> mounts,
        long timeoutMs,
        long outputLimitBytes,
        boolean streamStderr) implements Message {
}
