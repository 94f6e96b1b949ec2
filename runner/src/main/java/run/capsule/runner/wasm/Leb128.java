package run.capsule.runner.wasm;

/** LEB128 encoding of integers, in the shortest form. Decoding lives in {@link WasmReader}. */
final class Leb128 {
    private Leb128() {
    }

    /** Writes {@code value}, read as an unsigned 64-bit number. */
    static void writeUnsigned(WasmWriter out, long value) {
        do {
            int low = (int) (value & 0x7f);
            value >>>= 7;
            out.u8(value == 0 ? low : low | 0x80);
        } while (value != 0);
    }

    static void writeSigned(WasmWriter out, long value) {
        while (true) {
            int low = (int) (value & 0x7f);
            value >>= 7;
            boolean done = (value == 0 && (low & 0x40) == 0) || (value == -1 && (low & 0x40) != 0);
            out.u8(done ? low : low | 0x80);
            if (done) {
                return;
            }
        }
    }

    static int unsignedSize(long value) {
        int bytes = 1;
        while ((value >>>= 7) != 0) {
            bytes++;
        }
        return bytes;
    }
}
