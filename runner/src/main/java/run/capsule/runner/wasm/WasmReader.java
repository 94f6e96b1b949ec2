package run.capsule.runner.wasm;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A cursor over part of a module's bytes that decodes the binary format's primitives. Every failure is an
 * {@link InvalidModuleException} naming the module; nothing here throws on hostile input otherwise.
 */
final class WasmReader {
    private final String source;
    private final byte[] bytes;
    private final int limit;
    private int position;
    private String location = "";

    WasmReader(String source, byte[] bytes, int position, int limit) {
        this.source = source;
        this.bytes = bytes;
        this.position = position;
        this.limit = limit;
    }

    String source() {
        return source;
    }

    /** Names the part of the module being read (e.g. "function 12") in later error messages. */
    WasmReader within(String location) {
        this.location = location;
        return this;
    }

    byte[] bytes() {
        return bytes;
    }

    int position() {
        return position;
    }

    int limit() {
        return limit;
    }

    boolean atEnd() {
        return position >= limit;
    }

    int remaining() {
        return limit - position;
    }

    int u8() throws InvalidModuleException {
        if (position >= limit) {
            throw malformed("unexpected end at byte " + position);
        }
        return bytes[position++] & 0xff;
    }

    int peekU8() throws InvalidModuleException {
        if (position >= limit) {
            throw malformed("unexpected end at byte " + position);
        }
        return bytes[position] & 0xff;
    }

    void skip(int count) throws InvalidModuleException {
        if (count < 0 || count > limit - position) {
            throw malformed("unexpected end at byte " + limit);
        }
        position += count;
    }

    /** An unsigned 32-bit LEB128 number (at most 5 bytes). */
    long u32() throws InvalidModuleException {
        long result = 0;
        for (int shift = 0; ; shift += 7) {
            int b = u8();
            if (shift == 28 && (b & 0x70) != 0) {
                throw malformed("integer too large at byte " + (position - 1));
            }
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
            if (shift == 28) {
                throw malformed("integer representation too long at byte " + (position - 1));
            }
        }
    }

    /** An unsigned 32-bit number that must fit a Java int, e.g. a count of things in the module. */
    int u32AsInt(String what) throws InvalidModuleException {
        long value = u32();
        if (value > Integer.MAX_VALUE) {
            throw malformed(what + " " + value + " is too large");
        }
        return (int) value;
    }

    /** A vector length; each element takes at least one byte, so a larger count cannot be genuine. */
    int count(String what) throws InvalidModuleException {
        long value = u32();
        if (value > remaining()) {
            throw malformed(what + " count " + value + " exceeds the bytes that remain");
        }
        return (int) value;
    }

    long s32() throws InvalidModuleException {
        return signed(32);
    }

    long s33() throws InvalidModuleException {
        return signed(33);
    }

    long s64() throws InvalidModuleException {
        return signed(64);
    }

    private long signed(int bits) throws InvalidModuleException {
        int maxBytes = (bits + 6) / 7;
        long result = 0;
        int shift = 0;
        for (int i = 1; ; i++) {
            int b = u8();
            if (shift < 64) {
                result |= (long) (b & 0x7f) << shift;
            }
            shift += 7;
            if ((b & 0x80) == 0) {
                if (i == maxBytes) {
                    checkUnusedSignBits(b, bits - 7 * (maxBytes - 1));
                }
                if (shift < 64 && (b & 0x40) != 0) {
                    result |= -1L << shift;
                }
                return result;
            }
            if (i == maxBytes) {
                throw malformed("integer representation too long at byte " + (position - 1));
            }
        }
    }

    /** In the last byte of a maximal-length encoding, the bits past the value's width must copy its sign. */
    private void checkUnusedSignBits(int lastByte, int usedBits) throws InvalidModuleException {
        int unusedMask = 0x7f & ~((1 << usedBits) - 1) & 0x7f;
        int signBit = (lastByte >> (usedBits - 1)) & 1;
        int unused = lastByte & unusedMask;
        if (unused != (signBit == 1 ? unusedMask : 0)) {
            throw malformed("integer too large at byte " + (position - 1));
        }
    }

    /** A UTF-8 name, checked for validity. */
    String name() throws InvalidModuleException {
        int length = u32AsInt("name length");
        if (length > remaining()) {
            throw malformed("a name runs past the end of its section");
        }
        try {
            String name = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, position, length)).toString();
            position += length;
            return name;
        } catch (CharacterCodingException e) {
            throw malformed("a name is not valid UTF-8");
        }
    }

    void expectEnd(String what) throws InvalidModuleException {
        if (position != limit) {
            throw malformed("the " + what + "'s size does not match its contents");
        }
    }

    InvalidModuleException malformed(String what) {
        return new InvalidModuleException(source + " is malformed: " + (location.isEmpty() ? "" : location + ": ") + what);
    }

    InvalidModuleException invalid(String what) {
        return new InvalidModuleException(source + " " + what);
    }

    UnsupportedFeatureException unsupported(String feature) {
        return new UnsupportedFeatureException(source, feature, location);
    }
}
