package run.capsule.runner.sandbox;

import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Mount;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.RunnerMain;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The start-up check that directory grants confine guests on this machine. wasmtime 7 resolves guest paths
 * with the kernel's openat2; where that syscall fails (kernels before 5.6, seccomp profiles blocking it) it
 * falls back to a resolver that a relative symlink plus a trailing slash escapes (docs/security.md). The canary
 * guest (src/main/wasm/symlink_canary.wat) performs that escape attempt in a temp dir; a runner whose canary
 * escapes, or cannot run, refuses to serve.
 */
public final class SymlinkCanary {
    static final String RESOURCE = "symlink_canary.wasm";
    static final int CONFINED = 0;
    static final int SETUP_FAILED = 10;
    public static final int ESCAPED_THROUGH_PATH = 11;
    static final int ESCAPED_THROUGH_DIRECTORY = 12;
    private static final long TIMEOUT_MS = 10_000;

    private SymlinkCanary() {
    }

    /** Runs the canary in a fresh directory under {@code tempRoot}; the reason to refuse serving, if any. */
    public static Optional<String> check(WasmSandbox sandbox, Path tempRoot) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory(tempRoot, "symlink-canary-");
            Path grant = Files.createDirectory(dir.resolve("grant"));
            Files.writeString(dir.resolve("outside.txt"), "outside the grant");
            Path module = dir.resolve(RESOURCE);
            try (InputStream in = SymlinkCanary.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    return Optional.of(refusal("the canary module " + RESOURCE + " is missing from the runner jar"));
                }
                Files.write(module, in.readAllBytes());
            }
            RunAttempt run = new RunAttempt("symlink-canary", null, module.toString(), "symlink_canary", List.of(), Map.of(),
                    List.of(new Mount(grant.toString(), "/grant", false)), TIMEOUT_MS, 4096, false);
            return verdict(sandbox.runWithSymlinkGrants(run, dir.resolve("work")));
        } catch (IOException | RuntimeException e) {
            return Optional.of(refusal("the canary could not run: " + WasmSandbox.oneLine(String.valueOf(e.getMessage()))));
        } finally {
            if (dir != null) {
                RunnerMain.deleteTree(dir);
            }
        }
    }

    /** The reason to refuse serving after the canary ran, or empty when confinement held. */
    public static Optional<String> verdict(AttemptResult result) {
        Integer exit = result.exitCode();
        if (result.errorType() == null && exit != null && exit == CONFINED) {
            return Optional.empty();
        }
        if (exit != null && (exit == ESCAPED_THROUGH_PATH || exit == ESCAPED_THROUGH_DIRECTORY)) {
            return Optional.of(refusal("a guest escaped its directory grant through a symlink"
                    + (exit == ESCAPED_THROUGH_DIRECTORY ? " and a trailing slash" : "")
                    + "; the openat2 syscall is probably unavailable (kernel before 5.6, or blocked by seccomp)"));
        }
        if (exit != null && exit == SETUP_FAILED) {
            return Optional.of(refusal("the canary could not create its symlink, so confinement is unverified"));
        }
        return Optional.of(refusal("the canary ended unexpectedly ("
                + (result.message() != null ? result.message() : "exit code " + exit) + ")"));
    }

    private static String refusal(String reason) {
        return "refusing to serve: symlink canary failed: " + reason;
    }
}
