package run.capsule.runner.wasm;

import java.util.List;

/**
 * A tiny module through which the host can call WASI's own {@code poll_oneoff} for a guest: WASI reads and
 * writes the memory its caller exports as {@code memory}, so a host function cannot call it directly. This
 * module imports the guest's memory as {@code capsule.memory} and WASI's {@code poll_oneoff}, re-exports the
 * memory as {@code memory}, and exports {@code poll_oneoff}, which just calls the import.
 */
public final class PollForwarder {
    public static final String MEMORY_MODULE = "capsule";
    public static final String MEMORY_NAME = "memory";
    public static final String FUNCTION = "poll_oneoff";
    public static final WasiForwarder.Function FUNCTION_TYPE = new WasiForwarder.Function(FUNCTION,
            List.of(WasiForwarder.I32, WasiForwarder.I32, WasiForwarder.I32, WasiForwarder.I32));

    private PollForwarder() {
    }

    /** The module: a {@link WasiForwarder} of {@code poll_oneoff} alone. */
    public static byte[] module() {
        return WasiForwarder.module(List.of(FUNCTION_TYPE));
    }
}
