package run.capsule.runner.wasm;

/** A non-custom section of a module: its id and where its content lies in the module's bytes. */
record Section(int id, int contentStart, int contentEnd) {
    static final int TYPE = 1;
    static final int IMPORT = 2;
    static final int FUNCTION = 3;
    static final int TABLE = 4;
    static final int MEMORY = 5;
    static final int GLOBAL = 6;
    static final int EXPORT = 7;
    static final int START = 8;
    static final int ELEMENT = 9;
    static final int CODE = 10;
    static final int DATA = 11;
    static final int DATA_COUNT = 12;
    static final int TAG = 13;

    /** Where a section of this id must appear among the others; the data count section precedes code. */
    static int orderOf(int id) {
        return switch (id) {
            case TYPE, IMPORT, FUNCTION, TABLE, MEMORY -> id;
            case TAG -> 6;
            case GLOBAL, EXPORT, START, ELEMENT -> id + 1;
            case DATA_COUNT -> 11;
            case CODE -> 12;
            case DATA -> 13;
            default -> throw new IllegalArgumentException("no section has id " + id);
        };
    }

    WasmReader reader(String source, byte[] module) {
        return new WasmReader(source, module, contentStart, contentEnd);
    }
}
