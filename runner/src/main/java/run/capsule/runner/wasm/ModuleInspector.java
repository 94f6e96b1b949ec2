package run.capsule.runner.wasm;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the outline of a WebAssembly binary without compiling it: header, section framing, imports and
 * exports. Catches text files, truncation and foreign imports before anything is journaled; full
 * validation is left to the compiler in the runner.
 */
public final class ModuleInspector {
    private static final byte[] MAGIC = {0x00, 0x61, 0x73, 0x6d};
    private static final int SECTION_IMPORT = 2;
    private static final int SECTION_EXPORT = 7;

    private final String source;
    private final byte[] bytes;
    private int pos;

    private ModuleInspector(String source, byte[] bytes) {
        this.source = source;
        this.bytes = bytes;
    }

    /** @param source how to name the module in messages, e.g. its file name */
    public static ModuleInfo inspect(String source, byte[] bytes) throws InvalidModuleException {
        return new ModuleInspector(source, bytes).read();
    }

    private ModuleInfo read() throws InvalidModuleException {
        if (bytes.length == 0) {
            throw fail("is empty, not a WebAssembly module");
        }
        if (bytes.length < 8 || !startsWithMagic()) {
            if (looksLikeWat()) {
                throw fail("is WebAssembly text, not a binary module; compile it first (for example: wat2wasm " + source + ")");
            }
            throw fail("is not a WebAssembly module (no \\0asm header)");
        }
        int version = (bytes[4] & 0xff) | (bytes[5] & 0xff) << 8 | (bytes[6] & 0xff) << 16 | (bytes[7] & 0xff) << 24;
        if (version != 1) {
            throw fail(version == 0x1000d
                    ? "is a WebAssembly component; Capsule runs core WASI preview1 modules"
                    : "has unsupported WebAssembly version " + version);
        }
        pos = 8;
        List<ModuleInfo.Import> imports = new ArrayList<>();
        List<ModuleInfo.Export> exports = new ArrayList<>();
        while (pos < bytes.length) {
            int id = u8();
            long size = u32();
            if (size > bytes.length - pos) {
                throw fail("is truncated: section " + id + " declares " + size + " bytes but only " + (bytes.length - pos) + " remain");
            }
            int end = pos + (int) size;
            if (id == SECTION_IMPORT) {
                readImports(imports, end);
            } else if (id == SECTION_EXPORT) {
                readExports(exports, end);
            } else if (id > 12) {
                throw fail("has unknown section id " + id);
            }
            pos = end;
        }
        return new ModuleInfo(List.copyOf(imports), List.copyOf(exports));
    }

    private void readImports(List<ModuleInfo.Import> out, int end) throws InvalidModuleException {
        long count = u32();
        for (long i = 0; i < count; i++) {
            String module = name(end);
            String field = name(end);
            int kind = u8();
            switch (kind) {
                case 0 -> u32();
                case 1 -> {
                    u8();
                    limits();
                }
                case 2 -> limits();
                case 3 -> {
                    u8();
                    u8();
                }
                default -> throw fail("has an import " + module + "." + field + " of unknown kind " + kind);
            }
            out.add(new ModuleInfo.Import(module, field, ModuleInfo.Kind.values()[kind]));
        }
        expectEnd(end, "import");
    }

    private void readExports(List<ModuleInfo.Export> out, int end) throws InvalidModuleException {
        long count = u32();
        for (long i = 0; i < count; i++) {
            String field = name(end);
            int kind = u8();
            u32();
            if (kind > 3) {
                throw fail("has an export '" + field + "' of unknown kind " + kind);
            }
            out.add(new ModuleInfo.Export(field, ModuleInfo.Kind.values()[kind]));
        }
        expectEnd(end, "export");
    }

    private void limits() throws InvalidModuleException {
        int flags = u8();
        u32();
        if ((flags & 1) != 0) {
            u32();
        }
    }

    private String name(int end) throws InvalidModuleException {
        long length = u32();
        if (length > end - pos) {
            throw fail("is malformed: a name runs past the end of its section");
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, pos, (int) length)).toString();
            pos += (int) length;
            return s;
        } catch (CharacterCodingException e) {
            throw fail("is malformed: a name is not valid UTF-8");
        }
    }

    private void expectEnd(int end, String section) throws InvalidModuleException {
        if (pos != end) {
            throw fail("is malformed: the " + section + " section's size does not match its contents");
        }
    }

    private int u8() throws InvalidModuleException {
        if (pos >= bytes.length) {
            throw fail("is truncated (unexpected end at byte " + pos + ")");
        }
        return bytes[pos++] & 0xff;
    }

    private long u32() throws InvalidModuleException {
        long result = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = u8();
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                if (result > 0xffffffffL) {
                    break;
                }
                return result;
            }
        }
        throw fail("is malformed: integer too large at byte " + pos);
    }

    private boolean startsWithMagic() {
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean looksLikeWat() {
        String head = new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.UTF_8).stripLeading();
        while (head.startsWith(";;")) {
            int nl = head.indexOf('\n');
            head = nl < 0 ? "" : head.substring(nl + 1).stripLeading();
        }
        return head.startsWith("(module");
    }

    private InvalidModuleException fail(String what) {
        return new InvalidModuleException(source + " " + what);
    }
}
