package run.capsule.runner.wasm;

/**
 * Reads value, reference and block types, accepting those of wasmtime 7's default features and refusing
 * the types of later proposals by name.
 */
final class ValueTypes {
    static final int I32 = 0x7f;
    static final int I64 = 0x7e;
    static final int F32 = 0x7d;
    static final int F64 = 0x7c;
    static final int V128 = 0x7b;
    static final int FUNCREF = 0x70;
    static final int EXTERNREF = 0x6f;
    static final int EMPTY_BLOCK = 0x40;

    static final String FUNCTION_REFERENCES = "typed function references";
    static final String GC = "garbage collection (GC) types";
    static final String EXCEPTIONS = "exception handling";

    private ValueTypes() {
    }

    static void readValueType(WasmReader in) throws InvalidModuleException {
        int code = in.u8();
        if (!isValueType(code)) {
            throw refusal(in, code, "value type");
        }
    }

    static void readReferenceType(WasmReader in) throws InvalidModuleException {
        int code = in.u8();
        if (code != FUNCREF && code != EXTERNREF) {
            throw refusal(in, code, "reference type");
        }
    }

    /** A block type: empty, one value type, or the index of a function type (multi-value). */
    static void readBlockType(WasmReader in) throws InvalidModuleException {
        int first = in.peekU8();
        if (first == EMPTY_BLOCK || isValueType(first)) {
            in.u8();
            return;
        }
        if ((first & 0x80) == 0 && (first & 0x40) != 0) {
            throw refusal(in, in.u8(), "block type");
        }
        long typeIndex = in.s33();
        if (typeIndex < 0) {
            throw in.malformed("block type " + typeIndex + " is not a type index");
        }
    }

    static boolean isValueType(int code) {
        return code == I32 || code == I64 || code == F32 || code == F64 || code == V128
                || code == FUNCREF || code == EXTERNREF;
    }

    private static InvalidModuleException refusal(WasmReader in, int code, String what) {
        return switch (code) {
            case 0x64, 0x63 -> in.unsupported(FUNCTION_REFERENCES);
            case 0x6e, 0x6d, 0x6c, 0x6b, 0x6a, 0x71, 0x72, 0x73, 0x74 -> in.unsupported(GC);
            case 0x69 -> in.unsupported(EXCEPTIONS + " (exnref)");
            default -> in.malformed(String.format("unknown %s 0x%02x at byte %d", what, code, in.position() - 1));
        };
    }
}
