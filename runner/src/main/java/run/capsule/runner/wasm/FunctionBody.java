package run.capsule.runner.wasm;

import java.util.BitSet;

/**
 * A decoded function body: where its instructions start, each instruction's opcode and byte offset, and
 * the block structure (which opener each {@code end}/{@code else} belongs to, and which block labels some
 * branch targets). Offsets index the module's byte array.
 */
final class FunctionBody {
    /** The index of the opener an {@code end} closes when it closes the function itself. */
    static final int FUNCTION_FRAME = -1;

    private final int localsStart;
    private final int instructionsStart;
    private final int end;
    private final int count;
    private final int[] opcodes;
    private final int[] offsets;
    private final int[] openers;
    private final BitSet targetedLabels;

    FunctionBody(int localsStart, int instructionsStart, int end, int count, int[] opcodes, int[] offsets,
                 int[] openers, BitSet targetedLabels) {
        this.localsStart = localsStart;
        this.instructionsStart = instructionsStart;
        this.end = end;
        this.count = count;
        this.opcodes = opcodes;
        this.offsets = offsets;
        this.openers = openers;
        this.targetedLabels = targetedLabels;
    }

    int localsStart() {
        return localsStart;
    }

    int instructionsStart() {
        return instructionsStart;
    }

    int end() {
        return end;
    }

    int instructionCount() {
        return count;
    }

    int opcode(int instruction) {
        return opcodes[instruction];
    }

    int offset(int instruction) {
        return offsets[instruction];
    }

    int endOffset(int instruction) {
        return instruction + 1 < count ? offsets[instruction + 1] : end;
    }

    /** For an {@code end} or {@code else}: the index of the block, loop or if it belongs to. */
    int opener(int instruction) {
        return openers[instruction];
    }

    /** Whether a branch targets the label of the block, loop or if opened by this instruction. */
    boolean labelTargeted(int opener) {
        return targetedLabels.get(opener);
    }
}
