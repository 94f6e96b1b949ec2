package run.capsule.runner.wasm;

/**
 * The version of {@link ModuleRewriter}'s output. It changes whenever the same input and options would give
 * different bytes, so it belongs in the key of any cache of rewritten or compiled modules.
 */
public final class RewriterVersion {
    public static final int CURRENT = 2;

    private RewriterVersion() {
    }
}
