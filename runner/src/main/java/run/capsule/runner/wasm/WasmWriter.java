package run.capsule.runner.wasm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer with the encodings the WebAssembly binary format uses. */
final class WasmWriter {
    private byte[] buffer;
    private int size;

    WasmWriter() {
        this(256);
    }

    WasmWriter(int initialCapacity) {
        buffer = new byte[Math.max(16, initialCapacity)];
    }

    WasmWriter u8(int value) {
        ensure(1);
        buffer[size++] = (byte) value;
        return this;
    }

    WasmWriter u32(long value) {
        Leb128.writeUnsigned(this, value);
        return this;
    }

    WasmWriter s64(long value) {
        Leb128.writeSigned(this, value);
        return this;
    }

    WasmWriter bytes(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, buffer, size, length);
        size += length;
        return this;
    }

    WasmWriter bytes(byte[] source) {
        return bytes(source, 0, source.length);
    }

    WasmWriter bytes(WasmWriter other) {
        return bytes(other.buffer, 0, other.size);
    }

    /** A name: its UTF-8 length, then its bytes. */
    WasmWriter name(String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        return u32(utf8.length).bytes(utf8);
    }

    /** A section: its id, its size, then its content. */
    WasmWriter section(int id, WasmWriter content) {
        return u8(id).u32(content.size).bytes(content);
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }

    private void ensure(int extra) {
        if (size + extra > buffer.length) {
            long wanted = Math.max((long) buffer.length * 2, (long) size + extra);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("module output exceeds 2 GiB");
            }
            buffer = Arrays.copyOf(buffer, (int) wanted);
        }
    }
}
