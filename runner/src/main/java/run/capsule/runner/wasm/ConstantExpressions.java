package run.capsule.runner.wasm;

/**
 * Reads a constant expression (global initialisers, segment offsets and element items) up to its
 * {@code end}, accepting the instructions wasmtime 7 allows there by default.
 */
final class ConstantExpressions {
    private ConstantExpressions() {
    }

    static void skip(WasmReader in) throws InvalidModuleException {
        while (true) {
            int offset = in.position();
            int code = in.u8();
            switch (code) {
                case Opcodes.END -> {
                    return;
                }
                case Opcodes.I32_CONST -> in.s32();
                case Opcodes.I64_CONST -> in.s64();
                case Opcodes.F32_CONST -> in.skip(4);
                case Opcodes.F64_CONST -> in.skip(8);
                case Opcodes.GLOBAL_GET, Opcodes.REF_FUNC -> in.u32();
                case Opcodes.REF_NULL -> ValueTypes.readReferenceType(in);
                case Opcodes.PREFIX_SIMD -> {
                    long sub = in.u32();
                    if (sub != Opcodes.SIMD_V128_CONST) {
                        throw in.invalid("has instruction 0xfd " + sub + " in a constant expression (byte " + offset + ")");
                    }
                    in.skip(16);
                }
                case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e -> throw in.unsupported("extended constant expressions");
                default -> throw in.invalid(String.format("has instruction 0x%02x in a constant expression (byte %d)",
                        code, offset));
            }
        }
    }
}
