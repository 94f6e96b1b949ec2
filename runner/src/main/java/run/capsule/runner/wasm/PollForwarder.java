package run.capsule.runner.wasm;

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

    private PollForwarder() {
    }

    public static byte[] module() {
        int pollType = 0;
        WasmWriter types = new WasmWriter().u32(1)
                .u8(0x60).u32(4).u8(ValueTypes.I32).u8(ValueTypes.I32).u8(ValueTypes.I32).u8(ValueTypes.I32)
                .u32(1).u8(ValueTypes.I32);
        WasmWriter imports = new WasmWriter().u32(2)
                .name(WasiPreview1.MODULE).name(FUNCTION).u8(0).u32(pollType)
                .name(MEMORY_MODULE).name(MEMORY_NAME).u8(2).u8(0).u32(0);
        WasmWriter functions = new WasmWriter().u32(1).u32(pollType);
        WasmWriter exports = new WasmWriter().u32(2)
                .name("memory").u8(2).u32(0)
                .name(FUNCTION).u8(0).u32(1);
        WasmWriter body = new WasmWriter().u32(0)
                .u8(Opcodes.LOCAL_GET).u32(0).u8(Opcodes.LOCAL_GET).u32(1)
                .u8(Opcodes.LOCAL_GET).u32(2).u8(Opcodes.LOCAL_GET).u32(3)
                .u8(Opcodes.CALL).u32(0).u8(Opcodes.END);
        WasmWriter code = new WasmWriter().u32(1).u32(body.size()).bytes(body);
        return new WasmWriter()
                .u8(0x00).u8(0x61).u8(0x73).u8(0x6d).u8(0x01).u8(0x00).u8(0x00).u8(0x00)
                .section(Section.TYPE, types)
                .section(Section.IMPORT, imports)
                .section(Section.FUNCTION, functions)
                .section(Section.EXPORT, exports)
                .section(Section.CODE, code)
                .toByteArray();
    }
}
