package run.capsule.runner.wasm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rewrites a module for Capsule's sandbox: drops custom sections, caps memory and table maxima, refuses
 * features wasmtime 7 does not enable by default and oversized functions, and (optionally) adds fuel
 * metering. Existing type, function, table, memory and global indices never change: everything the
 * rewriter adds is appended. Sections it does not change keep their content byte for byte.
 */
public final class ModuleRewriter {
    private static final int FUNCTION_TYPE = 0x60;
    private static final int EXTERNAL_FUNCTION = 0;
    private static final int EXTERNAL_TABLE = 1;
    private static final int EXTERNAL_MEMORY = 2;
    private static final int EXTERNAL_GLOBAL = 3;
    private static final int EXTERNAL_TAG = 4;
    private static final int NO_FUEL = -1;
    private static final int NO_HOOK = -1;

    private final String source;
    private final byte[] module;
    private final RewriteOptions options;
    /** New section contents by their position in the section order. */
    private final Map<Integer, Output> output = new TreeMap<>();

    private Entries types = Entries.NONE;
    private Entries functions = Entries.NONE;
    private Entries globals = Entries.NONE;
    private Entries exports = Entries.NONE;
    private int importedFunctions;
    private int importedMemories;
    private int importedGlobals;
    private int definedMemories;
    private final Set<String> exportNames = new HashSet<>();
    private long chargePoints;

    private record Output(int id, WasmWriter content) {
    }

    /** The entries of a vector section: how many, and the bytes after the count. */
    private record Entries(int count, int start, int end) {
        static final Entries NONE = new Entries(0, 0, 0);

        int size() {
            return end - start;
        }
    }

    private ModuleRewriter(String source, byte[] module, RewriteOptions options) {
        this.source = source;
        this.module = module;
        this.options = options;
    }

    /**
     * @param sourceName how to name the module in messages, e.g. its file name
     * @throws InvalidModuleException if the module is malformed, uses an unsupported feature (then an
     *                                {@link UnsupportedFeatureException}), or exceeds a limit of {@code options}
     */
    public static RewrittenModule rewrite(String sourceName, byte[] module, RewriteOptions options)
            throws InvalidModuleException {
        return new ModuleRewriter(sourceName, module, options).rewrite();
    }

    private RewrittenModule rewrite() throws InvalidModuleException {
        Section code = null;
        for (Section section : ModuleSections.read(source, module)) {
            WasmReader in = section.reader(source, module);
            switch (section.id()) {
                case Section.TYPE -> types = readTypes(in);
                case Section.IMPORT -> replace(section.id(), rewriteImports(in));
                case Section.FUNCTION -> functions = readFunctions(in);
                case Section.TABLE -> replace(section.id(), rewriteTables(in));
                case Section.MEMORY -> replace(section.id(), rewriteMemories(in));
                case Section.GLOBAL -> globals = readGlobals(in);
                case Section.EXPORT -> exports = readExports(in);
                case Section.ELEMENT -> checkElements(in);
                case Section.DATA -> checkData(in);
                case Section.CODE -> code = section;
                default -> { }
            }
            if (section.id() != Section.CODE && !output.containsKey(Section.orderOf(section.id()))) {
                replace(section.id(), copy(section));
            }
        }
        if (importedMemories + definedMemories > 1) {
            throw new UnsupportedFeatureException(source, OperatorDecoder.MULTI_MEMORY + " ("
                    + (importedMemories + definedMemories) + " memories)", "");
        }
        boolean trackGrowth = options.trackGrowth() && importedMemories + definedMemories == 1;
        Optional<FuelAccessors> fuel = Optional.empty();
        Optional<String> growthRefusedFlag = Optional.empty();
        if (options.meterFuel() || trackGrowth) {
            Appendix appendix = appendRuntimeSupport(code, trackGrowth);
            fuel = appendix.fuel();
            growthRefusedFlag = appendix.growthRefusedFlag();
        } else {
            WasmWriter codeSection = rewriteCode(code, NO_FUEL, NO_HOOK, List.of());
            if (codeSection != null) {
                replace(Section.CODE, codeSection);
            }
        }
        WasmWriter out = new WasmWriter(module.length + module.length / 2);
        out.bytes(module, 0, 8);
        for (Output section : output.values()) {
            out.section(section.id(), section.content());
        }
        return new RewrittenModule(out.toByteArray(), fuel, growthRefusedFlag, chargePoints);
    }

    private void replace(int sectionId, WasmWriter content) {
        output.put(Section.orderOf(sectionId), new Output(sectionId, content));
    }

    private WasmWriter copy(Section section) {
        return new WasmWriter(section.contentEnd() - section.contentStart())
                .bytes(module, section.contentStart(), section.contentEnd() - section.contentStart());
    }

    private Entries readTypes(WasmReader in) throws InvalidModuleException {
        int count = in.count("type");
        int start = in.position();
        for (int i = 0; i < count; i++) {
            int form = in.u8();
            switch (form) {
                case FUNCTION_TYPE -> {
                    readValueTypes(in);
                    readValueTypes(in);
                }
                case 0x4e, 0x4f, 0x50, 0x5e, 0x5f -> throw in.unsupported(ValueTypes.GC);
                default -> throw in.malformed(String.format("type %d has unknown form 0x%02x", i, form));
            }
        }
        in.expectEnd("type section");
        return new Entries(count, start, in.position());
    }

    private static void readValueTypes(WasmReader in) throws InvalidModuleException {
        int count = in.count("value type");
        for (int i = 0; i < count; i++) {
            ValueTypes.readValueType(in);
        }
    }

    private WasmWriter rewriteImports(WasmReader in) throws InvalidModuleException {
        int count = in.count("import");
        WasmWriter out = new WasmWriter(in.remaining() + 16).u32(count);
        for (int i = 0; i < count; i++) {
            int entryStart = in.position();
            String name = in.name() + "." + in.name();
            out.bytes(module, entryStart, in.position() - entryStart);
            int kind = in.u8();
            out.u8(kind);
            switch (kind) {
                case EXTERNAL_FUNCTION -> {
                    out.u32(in.u32());
                    importedFunctions++;
                }
                case EXTERNAL_TABLE -> {
                    int elementType = in.u8();
                    checkReferenceType(in, elementType);
                    out.u8(elementType);
                    LimitsCapper.copyTable(in, out, options.maxTableElements(), "imported table " + name);
                }
                case EXTERNAL_MEMORY -> {
                    LimitsCapper.copyMemory(in, out, options.maxMemoryPages(), "imported memory " + name);
                    importedMemories++;
                }
                case EXTERNAL_GLOBAL -> {
                    int valueStart = in.position();
                    ValueTypes.readValueType(in);
                    readMutability(in);
                    out.bytes(module, valueStart, in.position() - valueStart);
                    importedGlobals++;
                }
                case EXTERNAL_TAG -> throw in.unsupported(ValueTypes.EXCEPTIONS + " (tag import " + name + ")");
                default -> throw in.malformed("import " + name + " has unknown kind " + kind);
            }
        }
        in.expectEnd("import section");
        return out;
    }

    private Entries readFunctions(WasmReader in) throws InvalidModuleException {
        int count = in.count("function");
        int start = in.position();
        for (int i = 0; i < count; i++) {
            in.u32();
        }
        in.expectEnd("function section");
        return new Entries(count, start, in.position());
    }

    private WasmWriter rewriteTables(WasmReader in) throws InvalidModuleException {
        int count = in.count("table");
        WasmWriter out = new WasmWriter(in.remaining() + 16).u32(count);
        for (int i = 0; i < count; i++) {
            int elementType = in.u8();
            checkReferenceType(in, elementType);
            out.u8(elementType);
            LimitsCapper.copyTable(in, out, options.maxTableElements(), "table " + i);
        }
        in.expectEnd("table section");
        return out;
    }

    private WasmWriter rewriteMemories(WasmReader in) throws InvalidModuleException {
        definedMemories = in.count("memory");
        WasmWriter out = new WasmWriter(in.remaining() + 16).u32(definedMemories);
        for (int i = 0; i < definedMemories; i++) {
            LimitsCapper.copyMemory(in, out, options.maxMemoryPages(), "memory " + (importedMemories + i));
        }
        in.expectEnd("memory section");
        return out;
    }

    private Entries readGlobals(WasmReader in) throws InvalidModuleException {
        int count = in.count("global");
        int start = in.position();
        for (int i = 0; i < count; i++) {
            ValueTypes.readValueType(in);
            readMutability(in);
            ConstantExpressions.skip(in);
        }
        in.expectEnd("global section");
        return new Entries(count, start, in.position());
    }

    private Entries readExports(WasmReader in) throws InvalidModuleException {
        int count = in.count("export");
        int start = in.position();
        for (int i = 0; i < count; i++) {
            String name = in.name();
            int kind = in.u8();
            in.u32();
            if (kind == EXTERNAL_TAG) {
                throw in.unsupported(ValueTypes.EXCEPTIONS + " (tag export " + name + ")");
            }
            if (kind > EXTERNAL_TAG) {
                throw in.malformed("export " + name + " has unknown kind " + kind);
            }
            exportNames.add(name);
        }
        in.expectEnd("export section");
        return new Entries(count, start, in.position());
    }

    private void checkElements(WasmReader in) throws InvalidModuleException {
        int count = in.count("element segment");
        for (int i = 0; i < count; i++) {
            long flags = in.u32();
            if (flags > 7) {
                throw in.malformed("element segment " + i + " has unknown flags " + flags);
            }
            boolean passiveOrDeclarative = (flags & 1) != 0;
            boolean explicitTable = (flags & 2) != 0;
            boolean expressions = (flags & 4) != 0;
            if (!passiveOrDeclarative) {
                if (explicitTable) {
                    in.u32();
                }
                ConstantExpressions.skip(in);
            }
            if (passiveOrDeclarative || explicitTable) {
                if (expressions) {
                    ValueTypes.readReferenceType(in);
                } else if (in.u8() != 0) {
                    throw in.malformed("element segment " + i + " has an unknown element kind");
                }
            }
            int items = in.count("element");
            for (int item = 0; item < items; item++) {
                if (expressions) {
                    ConstantExpressions.skip(in);
                } else {
                    in.u32();
                }
            }
        }
        in.expectEnd("element section");
    }

    private void checkData(WasmReader in) throws InvalidModuleException {
        int count = in.count("data segment");
        for (int i = 0; i < count; i++) {
            long flags = in.u32();
            if (flags == 2) {
                long memory = in.u32();
                if (memory != 0) {
                    throw in.unsupported(OperatorDecoder.MULTI_MEMORY + " (data segment for memory " + memory + ")");
                }
            } else if (flags > 2) {
                throw in.malformed("data segment " + i + " has unknown flags " + flags);
            }
            if (flags != 1) {
                ConstantExpressions.skip(in);
            }
            in.skip(in.u32AsInt("data segment size"));
        }
        in.expectEnd("data section");
    }

    private static void checkReferenceType(WasmReader in, int code) throws InvalidModuleException {
        if (code != ValueTypes.FUNCREF && code != ValueTypes.EXTERNREF) {
            throw ValueTypes.isValueType(code)
                    ? in.malformed(String.format("table element type 0x%02x is not a reference type", code))
                    : in.unsupported(ValueTypes.FUNCTION_REFERENCES);
        }
    }

    private static void readMutability(WasmReader in) throws InvalidModuleException {
        int mutability = in.u8();
        if (mutability > 1) {
            throw in.malformed("global mutability flag " + mutability);
        }
    }

    private record Appendix(Optional<FuelAccessors> fuel, Optional<String> growthRefusedFlag) {
    }

    /**
     * Appends what the host needs at run time, then rewrites the code. For fuel: the counter global, the
     * setter {@code (i64) -> ()} and getter {@code () -> i64} with their types and exports. For growth tracking:
     * an i32 flag global, a hook {@code (i32) -> i32} that runs {@code memory.grow} and sets the flag when it
     * returns -1 (every {@code memory.grow} of the guest becomes a call to it), and an exported getter
     * {@code () -> i32} of the flag. Appending keeps every existing index: defined globals and functions follow
     * the imported ones, so the new ones are numbered after all others.
     */
    private Appendix appendRuntimeSupport(Section code, boolean trackGrowth) throws InvalidModuleException {
        int typeCount = types.count();
        int functionCount = importedFunctions + functions.count();
        int globalCount = importedGlobals + globals.count();
        int addedTypes = (options.meterFuel() ? 2 : 0) + (trackGrowth ? 2 : 0);
        int addedFunctions = addedTypes;
        int addedGlobals = (options.meterFuel() ? 1 : 0) + (trackGrowth ? 1 : 0);
        int addedExports = (options.meterFuel() ? 2 : 0) + (trackGrowth ? 1 : 0);

        WasmWriter typeSection = appendTo(Section.TYPE, types, types.count() + addedTypes);
        WasmWriter functionSection = appendTo(Section.FUNCTION, functions, functions.count() + addedFunctions);
        WasmWriter globalSection = appendTo(Section.GLOBAL, globals, globals.count() + addedGlobals);
        WasmWriter exportSection = appendTo(Section.EXPORT, exports, exports.count() + addedExports);
        List<WasmWriter> bodies = new ArrayList<>();

        Optional<FuelAccessors> fuel = Optional.empty();
        int fuelGlobal = NO_FUEL;
        if (options.meterFuel()) {
            int setterType = typeCount++;
            int getterType = typeCount++;
            int setterFunction = functionCount++;
            int getterFunction = functionCount++;
            fuelGlobal = globalCount++;
            String setter = uniqueExportName(FuelAccessors.DEFAULT_SETTER);
            String getter = uniqueExportName(FuelAccessors.DEFAULT_GETTER);
            typeSection.u8(FUNCTION_TYPE).u32(1).u8(ValueTypes.I64).u32(0);
            typeSection.u8(FUNCTION_TYPE).u32(0).u32(1).u8(ValueTypes.I64);
            functionSection.u32(setterType).u32(getterType);
            globalSection.u8(ValueTypes.I64).u8(1).u8(Opcodes.I64_CONST).s64(options.initialFuel()).u8(Opcodes.END);
            exportSection.name(setter).u8(EXTERNAL_FUNCTION).u32(setterFunction);
            exportSection.name(getter).u8(EXTERNAL_FUNCTION).u32(getterFunction);
            bodies.add(new WasmWriter(16).u32(0)
                    .u8(Opcodes.LOCAL_GET).u32(0).u8(Opcodes.GLOBAL_SET).u32(fuelGlobal).u8(Opcodes.END));
            bodies.add(new WasmWriter(16).u32(0).u8(Opcodes.GLOBAL_GET).u32(fuelGlobal).u8(Opcodes.END));
            fuel = Optional.of(new FuelAccessors(setter, getter, fuelGlobal));
        }

        Optional<String> growthRefusedFlag = Optional.empty();
        int growHook = NO_HOOK;
        if (trackGrowth) {
            int hookType = typeCount++;
            int flagType = typeCount++;
            growHook = functionCount++;
            int flagFunction = functionCount++;
            int flagGlobal = globalCount++;
            String flag = uniqueExportName(RewrittenModule.DEFAULT_GROWTH_REFUSED_FLAG);
            typeSection.u8(FUNCTION_TYPE).u32(1).u8(ValueTypes.I32).u32(1).u8(ValueTypes.I32);
            typeSection.u8(FUNCTION_TYPE).u32(0).u32(1).u8(ValueTypes.I32);
            functionSection.u32(hookType).u32(flagType);
            globalSection.u8(ValueTypes.I32).u8(1).u8(Opcodes.I32_CONST).s64(0).u8(Opcodes.END);
            exportSection.name(flag).u8(EXTERNAL_FUNCTION).u32(flagFunction);
            bodies.add(new WasmWriter(32).u32(0)
                    .u8(Opcodes.LOCAL_GET).u32(0)
                    .u8(Opcodes.MEMORY_GROW).u8(0)
                    .u8(Opcodes.LOCAL_TEE).u32(0)
                    .u8(Opcodes.I32_CONST).s64(-1)
                    .u8(Opcodes.I32_EQ)
                    .u8(Opcodes.IF).u8(ValueTypes.EMPTY_BLOCK)
                    .u8(Opcodes.I32_CONST).s64(1)
                    .u8(Opcodes.GLOBAL_SET).u32(flagGlobal)
                    .u8(Opcodes.END)
                    .u8(Opcodes.LOCAL_GET).u32(0)
                    .u8(Opcodes.END));
            bodies.add(new WasmWriter(16).u32(0).u8(Opcodes.GLOBAL_GET).u32(flagGlobal).u8(Opcodes.END));
            growthRefusedFlag = Optional.of(flag);
        }
        replace(Section.CODE, rewriteCode(code, fuelGlobal, growHook, bodies));
        return new Appendix(fuel, growthRefusedFlag);
    }

    /** The section's original entries under a new count, ready for entries to be appended. */
    private WasmWriter appendTo(int sectionId, Entries original, int newCount) {
        WasmWriter content = new WasmWriter(original.size() + 64).u32(newCount)
                .bytes(module, original.start(), original.size());
        replace(sectionId, content);
        return content;
    }

    /**
     * The code section with every body checked, instrumented when fuelGlobal is not NO_FUEL, and with every
     * memory.grow turned into a call of growHook when that is not NO_HOOK.
     */
    private WasmWriter rewriteCode(Section code, int fuelGlobal, int growHook, List<WasmWriter> appendedBodies)
            throws InvalidModuleException {
        if (code == null) {
            if (functions.count() != 0) {
                throw new InvalidModuleException(source + " is malformed: it declares " + functions.count()
                        + " functions but has no code section");
            }
            if (appendedBodies.isEmpty()) {
                return null;
            }
            return appendBodies(new WasmWriter().u32(appendedBodies.size()), appendedBodies);
        }
        WasmReader in = code.reader(source, module);
        int bodies = in.count("function body");
        if (bodies != functions.count()) {
            throw in.malformed("the function section declares " + functions.count()
                    + " functions but the code section has " + bodies + " bodies");
        }
        WasmWriter out = new WasmWriter(in.remaining() + in.remaining() / 2).u32(bodies + appendedBodies.size());
        for (int i = 0; i < bodies; i++) {
            rewriteBody(in, out, importedFunctions + i, fuelGlobal, growHook);
        }
        in.expectEnd("code section");
        return appendBodies(out, appendedBodies);
    }

    private void rewriteBody(WasmReader in, WasmWriter out, int functionIndex, int fuelGlobal, int growHook)
            throws InvalidModuleException {
        int size = in.u32AsInt("function body size");
        if (size > in.remaining()) {
            throw in.malformed("function " + functionIndex + "'s body runs past the code section");
        }
        if (size > options.maxFunctionBodyBytes()) {
            throw in.invalid("function " + functionIndex + " has a body of " + size + " bytes, above the limit of "
                    + options.maxFunctionBodyBytes() + " bytes");
        }
        int bodyStart = in.position();
        FunctionBody body = OperatorDecoder.decode(
                new WasmReader(source, module, bodyStart, bodyStart + size).within("function " + functionIndex));
        in.skip(size);
        if (fuelGlobal == NO_FUEL && growHook == NO_HOOK) {
            checkInstructions(in, functionIndex, body.instructionCount());
            out.u32(size).bytes(module, bodyStart, size);
            return;
        }
        FuelInstrumenter.Result instrumented = FuelInstrumenter.instrument(module, body, fuelGlobal, growHook);
        chargePoints += instrumented.charges();
        byte[] newBody = instrumented.body();
        if (newBody.length > options.maxFunctionBodyBytes()) {
            throw in.invalid("function " + functionIndex + " has a body of " + newBody.length
                    + " bytes after fuel instrumentation, above the limit of " + options.maxFunctionBodyBytes()
                    + " bytes");
        }
        checkInstructions(in, functionIndex, body.instructionCount()
                + (long) instrumented.charges() * FuelInstrumenter.INSTRUCTIONS_PER_CHARGE);
        out.u32(newBody.length).bytes(newBody);
    }

    private static WasmWriter appendBodies(WasmWriter out, List<WasmWriter> bodies) {
        for (WasmWriter body : bodies) {
            out.u32(body.size()).bytes(body);
        }
        return out;
    }

    private void checkInstructions(WasmReader in, int functionIndex, long instructions) throws InvalidModuleException {
        if (instructions > options.maxFunctionInstructions()) {
            throw in.invalid("function " + functionIndex + " has " + instructions + " instructions"
                    + (options.meterFuel() ? " after fuel instrumentation" : "") + ", above the limit of "
                    + options.maxFunctionInstructions());
        }
    }

    private String uniqueExportName(String base) {
        String name = base;
        for (int suffix = 2; exportNames.contains(name); suffix++) {
            name = base + "_" + suffix;
        }
        exportNames.add(name);
        return name;
    }
}
