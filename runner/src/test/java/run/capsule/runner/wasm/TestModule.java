package run.capsule.runner.wasm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Assembles small binary modules for tests, section by section, in the order the format requires. */
final class TestModule {
    static final int I32 = 0x7f;
    static final int I64 = 0x7e;
    static final int FUNCREF = 0x70;

    private final List<byte[]> types = new ArrayList<>();
    private final List<byte[]> imports = new ArrayList<>();
    private final List<Integer> functionTypes = new ArrayList<>();
    private final List<byte[]> tables = new ArrayList<>();
    private final List<byte[]> memories = new ArrayList<>();
    private final List<byte[]> globals = new ArrayList<>();
    private final List<byte[]> exports = new ArrayList<>();
    private final List<byte[]> bodies = new ArrayList<>();
    private final List<byte[]> customSections = new ArrayList<>();
    private Integer start;
    private byte[] rawSectionsAfterCode = new byte[0];

    /** Adds a function type and returns its index. */
    int type(int[] params, int[] results) {
        Bytes entry = new Bytes().u8(0x60).u32(params.length);
        for (int p : params) {
            entry.u8(p);
        }
        entry.u32(results.length);
        for (int r : results) {
            entry.u8(r);
        }
        types.add(entry.toArray());
        return types.size() - 1;
    }

    TestModule importFunction(String module, String name, int type) {
        imports.add(importHeader(module, name).u8(0).u32(type).toArray());
        return this;
    }

    TestModule importGlobal(String module, String name, int valueType, boolean mutable) {
        imports.add(importHeader(module, name).u8(3).u8(valueType).u8(mutable ? 1 : 0).toArray());
        return this;
    }

    TestModule importMemory(String module, String name, long min, Long max) {
        imports.add(importHeader(module, name).u8(2).bytes(limits(min, max)).toArray());
        return this;
    }

    TestModule importTable(String module, String name, long min, Long max) {
        imports.add(importHeader(module, name).u8(1).u8(FUNCREF).bytes(limits(min, max)).toArray());
        return this;
    }

    /** Adds a function whose body is {@code code} (its instructions, final end included) with no locals. */
    TestModule function(int type, int... code) {
        return functionWithLocals(type, new int[] {0}, code);
    }

    /** @param locals the encoded local declarations, e.g. {@code {1, 1, I64}} for one i64 */
    TestModule functionWithLocals(int type, int[] locals, int... code) {
        functionTypes.add(type);
        bodies.add(new Bytes().ints(locals).ints(code).toArray());
        return this;
    }

    TestModule memory(long min, Long max) {
        memories.add(limits(min, max));
        return this;
    }

    /** Memory limits given as raw bytes, e.g. a shared memory's flags. */
    TestModule rawMemory(int... limits) {
        memories.add(new Bytes().ints(limits).toArray());
        return this;
    }

    TestModule table(long min, Long max) {
        tables.add(new Bytes().u8(FUNCREF).bytes(limits(min, max)).toArray());
        return this;
    }

    TestModule global(int valueType, boolean mutable, int... init) {
        globals.add(new Bytes().u8(valueType).u8(mutable ? 1 : 0).ints(init).toArray());
        return this;
    }

    TestModule exportFunction(String name, int index) {
        exports.add(new Bytes().name(name).u8(0).u32(index).toArray());
        return this;
    }

    TestModule exportMemory(String name, int index) {
        exports.add(new Bytes().name(name).u8(2).u32(index).toArray());
        return this;
    }

    TestModule exportGlobal(String name, int index) {
        exports.add(new Bytes().name(name).u8(3).u32(index).toArray());
        return this;
    }

    TestModule start(int function) {
        start = function;
        return this;
    }

    TestModule custom(String name, int... content) {
        customSections.add(new Bytes().name(name).ints(content).toArray());
        return this;
    }

    /** Raw sections (id, size, content) appended after the code section. */
    TestModule rawSections(int... bytes) {
        rawSectionsAfterCode = new Bytes().ints(bytes).toArray();
        return this;
    }

    byte[] build() {
        Bytes out = new Bytes().ints(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
        for (byte[] custom : customSections) {
            out.section(0, new Bytes().bytes(custom));
        }
        vectorSection(out, 1, types);
        vectorSection(out, 2, imports);
        if (!functionTypes.isEmpty()) {
            Bytes content = new Bytes().u32(functionTypes.size());
            functionTypes.forEach(content::u32);
            out.section(3, content);
        }
        vectorSection(out, 4, tables);
        vectorSection(out, 5, memories);
        vectorSection(out, 6, globals);
        vectorSection(out, 7, exports);
        if (start != null) {
            out.section(8, new Bytes().u32(start));
        }
        if (!bodies.isEmpty()) {
            Bytes content = new Bytes().u32(bodies.size());
            for (byte[] body : bodies) {
                content.u32(body.length).bytes(body);
            }
            out.section(10, content);
        }
        out.bytes(rawSectionsAfterCode);
        for (byte[] custom : customSections) {
            out.section(0, new Bytes().bytes(custom));
        }
        return out.toArray();
    }

    private static void vectorSection(Bytes out, int id, List<byte[]> entries) {
        if (entries.isEmpty()) {
            return;
        }
        Bytes content = new Bytes().u32(entries.size());
        entries.forEach(content::bytes);
        out.section(id, content);
    }

    private static Bytes importHeader(String module, String name) {
        return new Bytes().name(module).name(name);
    }

    static byte[] limits(long min, Long max) {
        Bytes out = new Bytes().u8(max == null ? 0 : 1).u32(min);
        if (max != null) {
            out.u32(max);
        }
        return out.toArray();
    }

    /** The instructions the rewriter inserts to charge {@code cost} from global {@code fuelGlobal}. */
    static int[] charge(int fuelGlobal, long cost) {
        return new Bytes().u8(0x23).u32(fuelGlobal).u8(0x42).s64(cost).u8(0x7d).u8(0x24).u32(fuelGlobal)
                .u8(0x23).u32(fuelGlobal).u8(0x42).u8(0).u8(0x53).u8(0x04).u8(0x40).u8(0x00).u8(0x0b).toInts();
    }

    static int[] concat(int[]... parts) {
        Bytes out = new Bytes();
        for (int[] part : parts) {
            out.ints(part);
        }
        return out.toInts();
    }

    /** A byte sink with the binary format's encodings, independent of the production writer. */
    static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u8(int value) {
            out.write(value);
            return this;
        }

        Bytes ints(int... values) {
            for (int v : values) {
                out.write(v);
            }
            return this;
        }

        Bytes bytes(byte[] values) {
            out.writeBytes(values);
            return this;
        }

        Bytes u32(long value) {
            do {
                int b = (int) (value & 0x7f);
                value >>>= 7;
                out.write(value != 0 ? b | 0x80 : b);
            } while (value != 0);
            return this;
        }

        Bytes s64(long value) {
            boolean more = true;
            while (more) {
                int b = (int) (value & 0x7f);
                value >>= 7;
                more = !((value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0));
                out.write(more ? b | 0x80 : b);
            }
            return this;
        }

        Bytes name(String name) {
            byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
            return u32(utf8.length).bytes(utf8);
        }

        Bytes section(int id, Bytes content) {
            byte[] bytes = content.toArray();
            return u8(id).u32(bytes.length).bytes(bytes);
        }

        byte[] toArray() {
            return out.toByteArray();
        }

        int[] toInts() {
            byte[] bytes = toArray();
            int[] ints = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                ints[i] = bytes[i] & 0xff;
            }
            return ints;
        }
    }
}
