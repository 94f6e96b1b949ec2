package run.capsule.runner.wasm;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a binary module into its sections after checking the header. Custom sections (names, debug info,
 * producers) are left out; the others must appear at most once each, in the order the format requires.
 */
final class ModuleSections {
    private static final int HEADER_SIZE = 8;
    private static final byte[] MAGIC = {0x00, 0x61, 0x73, 0x6d};
    private static final int CUSTOM = 0;

    private ModuleSections() {
    }

    static List<Section> read(String source, byte[] module) throws InvalidModuleException {
        checkHeader(source, module);
        WasmReader in = new WasmReader(source, module, HEADER_SIZE, module.length);
        List<Section> sections = new ArrayList<>();
        int lastOrder = 0;
        while (!in.atEnd()) {
            int id = in.u8();
            long size = in.u32();
            if (size > in.remaining()) {
                throw in.malformed("section " + id + " declares " + size + " bytes but only " + in.remaining()
                        + " remain");
            }
            int start = in.position();
            in.skip((int) size);
            if (id == CUSTOM) {
                continue;
            }
            if (id == Section.TAG) {
                throw in.unsupported(ValueTypes.EXCEPTIONS + " (tag section)");
            }
            if (id > Section.TAG) {
                throw in.malformed("unknown section id " + id);
            }
            int order = Section.orderOf(id);
            if (order <= lastOrder) {
                throw in.malformed("section " + id + " is duplicated or out of order");
            }
            lastOrder = order;
            sections.add(new Section(id, start, in.position()));
        }
        return sections;
    }

    private static void checkHeader(String source, byte[] module) throws InvalidModuleException {
        if (module.length < HEADER_SIZE || !startsWithMagic(module)) {
            throw new InvalidModuleException(source + " is not a WebAssembly module (no \\0asm header)");
        }
        int version = (module[4] & 0xff) | (module[5] & 0xff) << 8 | (module[6] & 0xff) << 16 | (module[7] & 0xff) << 24;
        if (version != 1) {
            throw new InvalidModuleException(source + (version == 0x1000d
                    ? " is a WebAssembly component; Capsule runs core WASI preview1 modules"
                    : " has unsupported WebAssembly version " + version));
        }
    }

    private static boolean startsWithMagic(byte[] module) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (module[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }
}
