package run.capsule.runner.wasm;

/**
 * The opcodes the rewriter treats specially. Prefixed instructions are numbered {@code prefix << 16 | sub}
 * by {@link OperatorDecoder}, so they never collide with one-byte opcodes.
 */
final class Opcodes {
    static final int UNREACHABLE = 0x00;
    static final int NOP = 0x01;
    static final int BLOCK = 0x02;
    static final int LOOP = 0x03;
    static final int IF = 0x04;
    static final int ELSE = 0x05;
    static final int END = 0x0b;
    static final int BR = 0x0c;
    static final int BR_IF = 0x0d;
    static final int BR_TABLE = 0x0e;
    static final int RETURN = 0x0f;
    static final int CALL = 0x10;
    static final int DROP = 0x1a;
    static final int LOCAL_GET = 0x20;
    static final int LOCAL_TEE = 0x22;
    static final int GLOBAL_GET = 0x23;
    static final int GLOBAL_SET = 0x24;
    static final int MEMORY_GROW = 0x40;
    static final int I32_CONST = 0x41;
    static final int I64_CONST = 0x42;
    static final int F32_CONST = 0x43;
    static final int F64_CONST = 0x44;
    static final int I32_EQ = 0x46;
    static final int I64_LT_S = 0x53;
    static final int I64_SUB = 0x7d;
    static final int REF_NULL = 0xd0;
    static final int REF_FUNC = 0xd2;

    static final int PREFIX_GC = 0xfb;
    static final int PREFIX_MISC = 0xfc;
    static final int PREFIX_SIMD = 0xfd;
    static final int PREFIX_THREADS = 0xfe;

    static final int SIMD_V128_CONST = 0x0c;

    private Opcodes() {
    }

    static int prefixed(int prefix, int sub) {
        return prefix << 16 | sub;
    }
}
