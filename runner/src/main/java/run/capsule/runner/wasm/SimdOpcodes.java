package run.capsule.runner.wasm;

import java.util.BitSet;

/** The 128-bit SIMD opcodes (after the 0xFD prefix) that take no immediate. */
final class SimdOpcodes {
    private static final BitSet PLAIN = new BitSet(256);

    static {
        PLAIN.set(0x0e, 0x15);
        PLAIN.set(0x23, 0x54);
        PLAIN.set(0x5e, 0x100);
        for (int unassigned : new int[] {0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5,
                0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee}) {
            PLAIN.clear(unassigned);
        }
    }

    private SimdOpcodes() {
    }

    static boolean isPlain(int op) {
        return PLAIN.get(op);
    }
}
