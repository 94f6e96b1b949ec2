package run.capsule.runner.wasm;

/**
 * Capsule's one host function for guests: {@code capsule.host_call(req_ptr, req_len, resp_ptr, resp_cap) -> i32}.
 * See docs/host-api.md for the calling convention.
 */
public final class HostCallImport {
    public static final String MODULE = "capsule";
    public static final String NAME = "host_call";

    private HostCallImport() {
    }

    public static boolean is(String module, String name) {
        return MODULE.equals(module) && NAME.equals(name);
    }
}
