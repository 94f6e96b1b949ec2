package run.capsule.runner.wasm;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Decodes one function body instruction by instruction: the MVP plus sign extension, saturating
 * float-to-int, bulk memory, reference types, multi-value and 128-bit SIMD (wasmtime 7's default
 * features). Instructions of other proposals are refused by name. Index immediates are not range-checked;
 * the compiler validates the module after rewriting.
 */
final class OperatorDecoder {
    static final String THREADS = "threads (0xFE atomics)";
    static final String EXCEPTIONS = "exception handling (try/catch/throw/rethrow/delegate)";
    static final String TAIL_CALLS = "tail calls (return_call)";
    static final String MULTI_MEMORY = "multi-memory";
    static final String RELAXED_SIMD = "relaxed SIMD";
    static final String GC_INSTRUCTIONS = "garbage collection (GC) instructions";

    private static final int FRAME_FUNCTION = 0;
    private static final int FRAME_BLOCK = 1;
    private static final int FRAME_LOOP = 2;
    private static final int FRAME_IF = 3;
    private static final int FRAME_ELSE = 4;

    private final WasmReader in;
    private int count;
    private int[] opcodes = new int[64];
    private int[] offsets = new int[64];
    private int[] openers = new int[64];
    private final BitSet targetedLabels = new BitSet();
    private int depth;
    private int[] frameOpeners = new int[16];
    private int[] frameKinds = new int[16];

    private OperatorDecoder(WasmReader in) {
        this.in = in;
    }

    /** @param body a reader spanning exactly the body (locals and expression), positioned at its start */
    static FunctionBody decode(WasmReader body) throws InvalidModuleException {
        return new OperatorDecoder(body).decode();
    }

    private FunctionBody decode() throws InvalidModuleException {
        int localsStart = in.position();
        int groups = in.count("local declaration");
        for (int i = 0; i < groups; i++) {
            in.u32();
            ValueTypes.readValueType(in);
        }
        int instructionsStart = in.position();
        pushFrame(FRAME_FUNCTION, FunctionBody.FUNCTION_FRAME);
        while (depth > 0) {
            if (in.atEnd()) {
                throw in.malformed("the body ends before its final end");
            }
            readInstruction();
        }
        if (!in.atEnd()) {
            throw in.malformed("bytes follow the body's final end");
        }
        return new FunctionBody(localsStart, instructionsStart, in.limit(), count, opcodes, offsets, openers,
                targetedLabels);
    }

    private void readInstruction() throws InvalidModuleException {
        int offset = in.position();
        int code = in.u8();
        int index = add(code, offset);
        switch (code) {
            case Opcodes.UNREACHABLE, Opcodes.NOP, Opcodes.RETURN, Opcodes.DROP, 0x1b, 0xd1 -> { } // also select, ref.is_null
            case Opcodes.BLOCK -> {
                ValueTypes.readBlockType(in);
                pushFrame(FRAME_BLOCK, index);
            }
            case Opcodes.LOOP -> {
                ValueTypes.readBlockType(in);
                pushFrame(FRAME_LOOP, index);
            }
            case Opcodes.IF -> {
                ValueTypes.readBlockType(in);
                pushFrame(FRAME_IF, index);
            }
            case Opcodes.ELSE -> {
                if (frameKinds[depth - 1] != FRAME_IF) {
                    throw in.malformed("else without a matching if at byte " + offset);
                }
                frameKinds[depth - 1] = FRAME_ELSE;
                openers[index] = frameOpeners[depth - 1];
            }
            case Opcodes.END -> {
                depth--;
                openers[index] = frameOpeners[depth];
            }
            case Opcodes.BR, Opcodes.BR_IF -> branchTo(in.u32(), offset);
            case Opcodes.BR_TABLE -> {
                int labels = in.count("br_table label");
                for (int i = 0; i <= labels; i++) {
                    branchTo(in.u32(), offset);
                }
            }
            // call, local.get/set/tee, global.get/set, table.get/set, ref.func: one index
            case 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xd2 -> in.u32();
            case 0x11 -> { // call_indirect: type index, table index
                in.u32();
                in.u32();
            }
            case 0x1c -> { // select with explicit types
                int types = in.count("select type");
                for (int i = 0; i < types; i++) {
                    ValueTypes.readValueType(in);
                }
            }
            case 0x3f, 0x40 -> memoryIndexZero(); // memory.size, memory.grow
            case Opcodes.I32_CONST -> in.s32();
            case Opcodes.I64_CONST -> in.s64();
            case Opcodes.F32_CONST -> in.skip(4);
            case Opcodes.F64_CONST -> in.skip(8);
            case Opcodes.REF_NULL -> ValueTypes.readReferenceType(in);
            case 0x06, 0x07, 0x08, 0x09, 0x0a, 0x18, 0x19, 0x1f -> throw in.unsupported(EXCEPTIONS);
            case 0x12, 0x13 -> throw in.unsupported(TAIL_CALLS);
            case 0x14, 0x15, 0xd4, 0xd5, 0xd6 -> throw in.unsupported(ValueTypes.FUNCTION_REFERENCES);
            case 0xd3, Opcodes.PREFIX_GC -> throw in.unsupported(GC_INSTRUCTIONS);
            case Opcodes.PREFIX_THREADS -> throw in.unsupported(THREADS);
            case Opcodes.PREFIX_MISC -> opcodes[index] = readMisc();
            case Opcodes.PREFIX_SIMD -> opcodes[index] = readSimd();
            default -> {
                if (code >= 0x28 && code <= 0x3e) { // loads and stores
                    memarg();
                } else if (code < 0x45 || code > 0xc4) { // outside the numeric instructions, which have no immediate
                    throw in.malformed(String.format("unknown opcode 0x%02x at byte %d", code, offset));
                }
            }
        }
    }

    private int readMisc() throws InvalidModuleException {
        long sub = in.u32();
        if (sub <= 7) {
            return Opcodes.prefixed(Opcodes.PREFIX_MISC, (int) sub);
        }
        switch ((int) Math.min(sub, Integer.MAX_VALUE)) {
            case 8 -> {
                in.u32();
                memoryIndexZero();
            }
            case 9, 13, 15, 16, 17 -> in.u32();
            case 10 -> {
                memoryIndexZero();
                memoryIndexZero();
            }
            case 11 -> memoryIndexZero();
            case 12, 14 -> {
                in.u32();
                in.u32();
            }
            case 18 -> throw in.unsupported("memory control (memory.discard)");
            default -> throw in.malformed("unknown opcode 0xfc " + sub);
        }
        return Opcodes.prefixed(Opcodes.PREFIX_MISC, (int) sub);
    }

    private int readSimd() throws InvalidModuleException {
        long sub = in.u32();
        if (sub > 0xff) {
            if (sub <= 0x113) {
                throw in.unsupported(RELAXED_SIMD);
            }
            throw in.malformed("unknown opcode 0xfd " + sub);
        }
        int op = (int) sub;
        if (op <= 0x0b || op == 0x5c || op == 0x5d) {
            memarg();
        } else if (op == 0x0c || op == 0x0d) {
            in.skip(16);
        } else if (op >= 0x15 && op <= 0x22) {
            in.u8();
        } else if (op >= 0x54 && op <= 0x5b) {
            memarg();
            in.u8();
        } else if (!SimdOpcodes.isPlain(op)) {
            throw in.malformed("unknown opcode 0xfd " + op);
        }
        return Opcodes.prefixed(Opcodes.PREFIX_SIMD, op);
    }

    private void memarg() throws InvalidModuleException {
        long alignment = in.u32();
        if ((alignment & 0x40) != 0) {
            throw in.unsupported(MULTI_MEMORY);
        }
        in.u32();
    }

    /** The memory index byte of memory.size/grow/copy/fill/init, which must be 0 without multi-memory. */
    private void memoryIndexZero() throws InvalidModuleException {
        int memory = in.u8();
        if (memory != 0) {
            throw in.unsupported(MULTI_MEMORY + " (memory index " + memory + ")");
        }
    }

    private void branchTo(long label, int offset) throws InvalidModuleException {
        if (label >= depth) {
            throw in.invalid("branches to label " + label + " outside its function (byte " + offset + ")");
        }
        int opener = frameOpeners[depth - 1 - (int) label];
        if (opener != FunctionBody.FUNCTION_FRAME) {
            targetedLabels.set(opener);
        }
    }

    private int add(int opcode, int offset) {
        if (count == opcodes.length) {
            int grown = count * 2;
            opcodes = Arrays.copyOf(opcodes, grown);
            offsets = Arrays.copyOf(offsets, grown);
            openers = Arrays.copyOf(openers, grown);
        }
        opcodes[count] = opcode;
        offsets[count] = offset;
        openers[count] = FunctionBody.FUNCTION_FRAME;
        return count++;
    }

    private void pushFrame(int kind, int opener) {
        if (depth == frameKinds.length) {
            frameKinds = Arrays.copyOf(frameKinds, depth * 2);
            frameOpeners = Arrays.copyOf(frameOpeners, depth * 2);
        }
        frameKinds[depth] = kind;
        frameOpeners[depth] = opener;
        depth++;
    }
}
