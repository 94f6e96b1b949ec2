package run.capsule.protocol;

import java.util.List;
import java.util.Map;

/**
 * Engine to runner: run one attempt of a WASI command module. The module file at {@code modulePath} holds
 * the bytes whose sha-256 is {@code moduleSha256}; the runner caches the instrumented and compiled module under
 * that digest and the options that shape its bytes. {@code args} excludes argv[0], which is {@code programName}.
 * {@code fuel} is the budget in fuel units (0: unlimited); {@code memoryLimitPages} caps linear memory in 64 KiB
 * pages (0: the 32-bit maximum, 4 GiB). {@code allowedHosts}: the network host patterns the guest may reach
 * through the host-call channel (none: no network). {@code program}: null for a WASI command module; for a Python or
 * JavaScript task, the source and the task to call, and the module is the language's interpreter.
 * {@code writeQuotaBytes}: how many bytes the guest may write in total to its read-write mounts (absent: 1 GiB).
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
        boolean streamStderr,
        long fuel,
        long memoryLimitPages,
        List<String> allowedHosts,
        Program program,
        Durability durability,
        Long writeQuotaBytes) implements Message {

    public static final long PAGE_BYTES = 64 * 1024;
    public static final long DEFAULT_WRITE_QUOTA_BYTES = 1L << 30;

    public RunAttempt {
        allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
        durability = durability == null ? Durability.NONE : durability;
        writeQuotaBytes = writeQuotaBytes == null ? DEFAULT_WRITE_QUOTA_BYTES : writeQuotaBytes;
    }

    public RunAttempt(String attemptId, String moduleSha256, String modulePath, String programName, List<String> args,
                      Map<String, String> env, List<Mount> mounts, long timeoutMs, long outputLimitBytes, boolean streamStderr,
                      long fuel, long memoryLimitPages, List<String> allowedHosts, Program program, Durability durability) {
        this(attemptId, moduleSha256, modulePath, programName, args, env, mounts, timeoutMs, outputLimitBytes, streamStderr,
                fuel, memoryLimitPages, allowedHosts, program, durability, null);
    }

    public RunAttempt(String attemptId, String moduleSha256, String modulePath, String programName, List<String> args,
                      Map<String, String> env, List<Mount> mounts, long timeoutMs, long outputLimitBytes, boolean streamStderr,
                      long fuel, long memoryLimitPages, List<String> allowedHosts, Program program) {
        this(attemptId, moduleSha256, modulePath, programName, args, env, mounts, timeoutMs, outputLimitBytes, streamStderr,
                fuel, memoryLimitPages, allowedHosts, program, Durability.NONE);
    }

    /** A WASI command module's attempt. */
    public RunAttempt(String attemptId, String moduleSha256, String modulePath, String programName, List<String> args,
                      Map<String, String> env, List<Mount> mounts, long timeoutMs, long outputLimitBytes, boolean streamStderr,
                      long fuel, long memoryLimitPages, List<String> allowedHosts) {
        this(attemptId, moduleSha256, modulePath, programName, args, env, mounts, timeoutMs, outputLimitBytes, streamStderr,
                fuel, memoryLimitPages, allowedHosts, null);
    }

    /** An attempt without network grants. */
    public RunAttempt(String attemptId, String moduleSha256, String modulePath, String programName, List<String> args,
                      Map<String, String> env, List<Mount> mounts, long timeoutMs, long outputLimitBytes, boolean streamStderr,
                      long fuel, long memoryLimitPages) {
        this(attemptId, moduleSha256, modulePath, programName, args, env, mounts, timeoutMs, outputLimitBytes, streamStderr,
                fuel, memoryLimitPages, List.of(), null);
    }

    /** An attempt without a fuel budget or memory limit beyond the 32-bit maximum. */
    public RunAttempt(String attemptId, String moduleSha256, String modulePath, String programName, List<String> args,
                      Map<String, String> env, List<Mount> mounts, long timeoutMs, long outputLimitBytes, boolean streamStderr) {
        this(attemptId, moduleSha256, modulePath, programName, args, env, mounts, timeoutMs, outputLimitBytes, streamStderr, 0, 0, List.of(), null);
    }

    /** The same attempt for a Python or JavaScript task. */
    public RunAttempt withProgram(Program program) {
        return new RunAttempt(attemptId, moduleSha256, modulePath, programName, args, env, mounts, timeoutMs, outputLimitBytes,
                streamStderr, fuel, memoryLimitPages, allowedHosts, program, durability, writeQuotaBytes);
    }

    /** The same attempt with journaled steps to replay and the journaling settings. */
    public RunAttempt withDurability(Durability durability) {
        return new RunAttempt(attemptId, moduleSha256, modulePath, programName, args, env, mounts, timeoutMs, outputLimitBytes,
                streamStderr, fuel, memoryLimitPages, allowedHosts, program, durability, writeQuotaBytes);
    }

    /** The same attempt with a quota on the bytes written to its read-write mounts. */
    public RunAttempt withWriteQuota(long bytes) {
        return new RunAttempt(attemptId, moduleSha256, modulePath, programName, args, env, mounts, timeoutMs, outputLimitBytes,
                streamStderr, fuel, memoryLimitPages, allowedHosts, program, durability, bytes);
    }

    /** The memory limit in whole pages: rounded down, at least one page. */
    public static long pagesFor(long ramBytes) {
        return Math.max(1, ramBytes / PAGE_BYTES);
    }
}
