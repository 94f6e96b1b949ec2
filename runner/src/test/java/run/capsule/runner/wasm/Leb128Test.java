package run.capsule.runner.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class Leb128Test {
    @Test
    void writesShortestUnsignedForms() {
        assertThat(unsigned(0)).containsExactly(0x00);
        assertThat(unsigned(127)).containsExactly(0x7f);
        assertThat(unsigned(128)).containsExactly(0x80, 0x01);
        assertThat(unsigned(624485)).containsExactly(0xe5, 0x8e, 0x26);
        assertThat(unsigned(0xffff_ffffL)).containsExactly(0xff, 0xff, 0xff, 0xff, 0x0f);
        assertThat(Leb128.unsignedSize(0xffff_ffffL)).isEqualTo(5);
    }

    @Test
    void writesShortestSignedForms() {
        assertThat(signed(0)).containsExactly(0x00);
        assertThat(signed(63)).containsExactly(0x3f);
        assertThat(signed(64)).containsExactly(0xc0, 0x00);
        assertThat(signed(-1)).containsExactly(0x7f);
        assertThat(signed(-64)).containsExactly(0x40);
        assertThat(signed(-65)).containsExactly(0xbf, 0x7f);
        assertThat(signed(-123456)).containsExactly(0xc0, 0xbb, 0x78);
    }

    @Test
    void readsBackWhatItWrites() throws Exception {
        long[] values = {0, 1, -1, 63, 64, -64, -65, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE,
                0x1234_5678_9abcL};
        for (long value : values) {
            WasmWriter out = new WasmWriter();
            Leb128.writeSigned(out, value);
            assertThat(reader(toInts(out.toByteArray())).s64()).as("s64 %d", value).isEqualTo(value);
        }
        for (long value : new long[] {0, 1, 127, 128, 0xffff_ffffL}) {
            WasmWriter out = new WasmWriter();
            Leb128.writeUnsigned(out, value);
            assertThat(reader(toInts(out.toByteArray())).u32()).isEqualTo(value);
        }
    }

    @Test
    void readsPaddedEncodingsWithinTheirMaximumLength() throws Exception {
        assertThat(reader(0x80, 0x80, 0x80, 0x80, 0x00).u32()).isZero();
        assertThat(reader(0xff, 0xff, 0xff, 0xff, 0x7f).s32()).isEqualTo(-1);
        assertThat(reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00).s64()).isZero();
        assertThat(reader(0x80, 0x80, 0x80, 0x80, 0x78).s32()).isEqualTo(Integer.MIN_VALUE);
    }

    @Test
    void refusesOverlongOrOverflowingEncodings() {
        assertThatThrownBy(() -> reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).u32())
                .isInstanceOf(InvalidModuleException.class).hasMessageContaining("too long");
        assertThatThrownBy(() -> reader(0xff, 0xff, 0xff, 0xff, 0x1f).u32())
                .isInstanceOf(InvalidModuleException.class).hasMessageContaining("too large");
        assertThatThrownBy(() -> reader(0xff, 0xff, 0xff, 0xff, 0x4f).s32())
                .isInstanceOf(InvalidModuleException.class).hasMessageContaining("too large");
        assertThatThrownBy(() -> reader(0x80).u32())
                .isInstanceOf(InvalidModuleException.class).hasMessageContaining("unexpected end");
    }

    private static int[] unsigned(long value) {
        WasmWriter out = new WasmWriter();
        Leb128.writeUnsigned(out, value);
        return toInts(out.toByteArray());
    }

    private static int[] signed(long value) {
        WasmWriter out = new WasmWriter();
        Leb128.writeSigned(out, value);
        return toInts(out.toByteArray());
    }

    private static WasmReader reader(int... bytes) {
        byte[] raw = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            raw[i] = (byte) bytes[i];
        }
        return new WasmReader("leb", raw, 0, raw.length);
    }

    private static int[] toInts(byte[] bytes) {
        int[] ints = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ints[i] = bytes[i] & 0xff;
        }
        return ints;
    }
}
