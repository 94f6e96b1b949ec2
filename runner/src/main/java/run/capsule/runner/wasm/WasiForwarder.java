package run.capsule.runner.wasm;

import java.util.List;

/**
 * Like {@link PollForwarder}, for several WASI functions at once: a module that imports the guest's memory as
 * {@code capsule.memory} and the named {@code wasi_snapshot_preview1} functions, re-exports the memory as
 * {@code memory} and exports each function under its own name, forwarding to the import. Lets host functions
 * that take over a WASI call hand the other cases to WASI itself.
 */
public final class WasiForwarder {
    /** A WASI function's name and its parameter types ({@link #I32} or {@link #I64}); all return one i32 errno. */
    public record Function(String name, List<Integer> params) {
    }

    public static final int I32 = ValueTypes.I32;
    public static final int I64 = ValueTypes.I64;

    private WasiForwarder() {
    }

    public static byte[] module(List<Function> functions) {
        int n = functions.size();
        WasmWriter types = new WasmWriter().u32(n);
        for (Function f : functions) {
            types.u8(0x60).u32(f.params().size());
            f.params().forEach(types::u8);
            types.u32(1).u8(ValueTypes.I32);
        }
        WasmWriter imports = new WasmWriter().u32(n + 1);
        for (int i = 0; i < n; i++) {
            imports.name(WasiPreview1.MODULE).name(functions.get(i).name()).u8(0).u32(i);
        }
        imports.name(PollForwarder.MEMORY_MODULE).name(PollForwarder.MEMORY_NAME).u8(2).u8(0).u32(0);
        WasmWriter declared = new WasmWriter().u32(n);
        for (int i = 0; i < n; i++) {
            declared.u32(i);
        }
        WasmWriter exports = new WasmWriter().u32(n + 1).name("memory").u8(2).u32(0);
        for (int i = 0; i < n; i++) {
            exports.name(functions.get(i).name()).u8(0).u32(n + i);
        }
        WasmWriter code = new WasmWriter().u32(n);
        for (int i = 0; i < n; i++) {
            WasmWriter body = new WasmWriter().u32(0);
            for (int p = 0; p < functions.get(i).params().size(); p++) {
                body.u8(Opcodes.LOCAL_GET).u32(p);
            }
            body.u8(Opcodes.CALL).u32(i).u8(Opcodes.END);
            code.u32(body.size()).bytes(body);
        }
        return new WasmWriter()
                .u8(0x00).u8(0x61).u8(0x73).u8(0x6d).u8(0x01).u8(0x00).u8(0x00).u8(0x00)
                .section(Section.TYPE, types)
                .section(Section.IMPORT, imports)
                .section(Section.FUNCTION, declared)
                .section(Section.EXPORT, exports)
                .section(Section.CODE, code)
                .toByteArray();
    }
}
