package run.capsule.runner.wasm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A test-side reading of a binary module, independent of the production reader: just enough to assert on. */
final class ModuleDump {
    record Export(String name, int kind, long index) {
    }

    record Limits(int flags, long min, long max) {
    }

    final List<Integer> sectionIds = new ArrayList<>();
    final List<String> customSectionNames = new ArrayList<>();
    final Map<Integer, byte[]> sections = new LinkedHashMap<>();

    ModuleDump(byte[] module) {
        Cursor in = new Cursor(module, 8);
        while (in.pos < module.length) {
            int id = in.u8();
            int size = (int) in.u32();
            byte[] content = Arrays.copyOfRange(module, in.pos, in.pos + size);
            if (id == 0) {
                Cursor name = new Cursor(content, 0);
                int length = (int) name.u32();
                customSectionNames.add(new String(content, name.pos, length, StandardCharsets.UTF_8));
            } else {
                sections.put(id, content);
            }
            sectionIds.add(id);
            in.pos += size;
        }
    }

    /** The count at the start of a vector section, 0 when the section is absent. */
    long count(int sectionId) {
        byte[] content = sections.get(sectionId);
        return content == null ? 0 : new Cursor(content, 0).u32();
    }

    List<Export> exports() {
        List<Export> exports = new ArrayList<>();
        byte[] content = sections.get(7);
        if (content == null) {
            return exports;
        }
        Cursor in = new Cursor(content, 0);
        long count = in.u32();
        for (long i = 0; i < count; i++) {
            int length = (int) in.u32();
            String name = new String(content, in.pos, length, StandardCharsets.UTF_8);
            in.pos += length;
            int kind = in.u8();
            exports.add(new Export(name, kind, in.u32()));
        }
        return exports;
    }

    /** Each function body (locals and instructions) of the code section. */
    List<byte[]> bodies() {
        List<byte[]> bodies = new ArrayList<>();
        byte[] content = sections.get(10);
        Cursor in = new Cursor(content, 0);
        long count = in.u32();
        for (long i = 0; i < count; i++) {
            int size = (int) in.u32();
            bodies.add(Arrays.copyOfRange(content, in.pos, in.pos + size));
            in.pos += size;
        }
        return bodies;
    }

    /** The limits of each memory (section 5) or table (section 4, after its element type). */
    List<Limits> limits(int sectionId) {
        List<Limits> limits = new ArrayList<>();
        Cursor in = new Cursor(sections.get(sectionId), 0);
        long count = in.u32();
        for (long i = 0; i < count; i++) {
            if (sectionId == 4) {
                in.u8();
            }
            limits.add(in.limits());
        }
        return limits;
    }

    /** The limits of every imported memory or table, in import order. */
    List<Limits> importedLimits() {
        List<Limits> limits = new ArrayList<>();
        Cursor in = new Cursor(sections.get(2), 0);
        long count = in.u32();
        for (long i = 0; i < count; i++) {
            in.skipName();
            in.skipName();
            int kind = in.u8();
            switch (kind) {
                case 0 -> in.u32();
                case 1 -> {
                    in.u8();
                    limits.add(in.limits());
                }
                case 2 -> limits.add(in.limits());
                default -> in.pos += 2;
            }
        }
        return limits;
    }

    private static final class Cursor {
        private final byte[] bytes;
        private int pos;

        Cursor(byte[] bytes, int pos) {
            this.bytes = bytes;
            this.pos = pos;
        }

        int u8() {
            return bytes[pos++] & 0xff;
        }

        long u32() {
            long result = 0;
            for (int shift = 0; ; shift += 7) {
                int b = u8();
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
        }

        void skipName() {
            int length = (int) u32();
            pos += length;
        }

        Limits limits() {
            int flags = u8();
            long min = u32();
            long max = (flags & 1) != 0 ? u32() : -1;
            return new Limits(flags, min, max);
        }
    }
}
