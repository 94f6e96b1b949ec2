package run.capsule.runner.wasm;

import java.util.Arrays;

/**
 * Charges fuel in one function body. The body is cut into straight-line regions, each entered only at its
 * start; at the start of every region with a non-zero cost the instrumenter inserts
 * {@code global.get F; i64.const COST; i64.sub; global.set F; global.get F; i64.const 0; i64.lt_s; if;
 * unreachable; end}. The inserted code is stack-neutral and closes its own {@code if}, so labels, locals and
 * all other indices of the original code keep their meaning.
 *
 * <p>A region starts at the function entry, after {@code loop} (every iteration), after {@code if} and
 * {@code else} (each arm), after {@code br_if} (the fall-through), and after the {@code end} of an
 * {@code if} or of a {@code block} some branch targets (a join point). After the {@code end} of a loop, or of
 * a block no branch targets, control only arrives by falling through, so the region continues. Instructions
 * that follow {@code br}, {@code br_table}, {@code return} or {@code unreachable} up to the enclosing
 * {@code end}/{@code else} never run and cost nothing.
 */
final class FuelInstrumenter {
    /** Instructions in one inserted charge. */
    static final int INSTRUCTIONS_PER_CHARGE = 10;

    private final FunctionBody body;
    private int[] chargeAt = new int[16];
    private long[] chargeCost = new long[16];
    private int charges;

    private FuelInstrumenter(FunctionBody body) {
        this.body = body;
    }

    /** The instrumented body: its bytes (without the size prefix) and how many charges went in. */
    record Result(byte[] body, int charges) {
    }

    /**
     * @param fuelGlobal the counter to charge, or a negative value for no charges
     * @param growHook   the function every {@code memory.grow} is replaced by a call to, or a negative value to
     *                   keep them; the hook takes and returns what {@code memory.grow} does, so the stack is
     *                   unchanged, and it is charged as the {@code memory.grow} it replaces
     */
    static Result instrument(byte[] module, FunctionBody body, int fuelGlobal, int growHook) {
        FuelInstrumenter instrumenter = new FuelInstrumenter(body);
        if (fuelGlobal >= 0) {
            instrumenter.planCharges();
        }
        return new Result(instrumenter.emit(module, fuelGlobal, growHook), instrumenter.charges);
    }

    private void planCharges() {
        int n = body.instructionCount();
        boolean[] frameEnteredReachable = new boolean[16];
        int depth = 0;
        boolean reachable = true;
        int regionStart = 0;
        long regionCost = 0;
        for (int i = 0; i < n; i++) {
            int opcode = body.opcode(i);
            if (reachable) {
                regionCost += FuelCost.of(opcode);
            }
            boolean regionEnds = false;
            switch (opcode) {
                case Opcodes.BLOCK, Opcodes.LOOP, Opcodes.IF -> {
                    if (depth == frameEnteredReachable.length) {
                        frameEnteredReachable = Arrays.copyOf(frameEnteredReachable, depth * 2);
                    }
                    frameEnteredReachable[depth++] = reachable;
                    regionEnds = opcode != Opcodes.BLOCK;
                }
                case Opcodes.ELSE -> {
                    reachable = frameEnteredReachable[depth - 1];
                    regionEnds = true;
                }
                case Opcodes.END -> {
                    int opener = body.opener(i);
                    if (opener == FunctionBody.FUNCTION_FRAME) {
                        regionEnds = true;
                    } else {
                        depth--;
                        int openerOpcode = body.opcode(opener);
                        boolean joinPoint = openerOpcode == Opcodes.IF
                                || (openerOpcode == Opcodes.BLOCK && body.labelTargeted(opener));
                        if (joinPoint) {
                            reachable = frameEnteredReachable[depth];
                            regionEnds = true;
                        }
                    }
                }
                case Opcodes.BR_IF -> regionEnds = true;
                case Opcodes.BR, Opcodes.BR_TABLE, Opcodes.RETURN, Opcodes.UNREACHABLE -> reachable = false;
                default -> { }
            }
            if (regionEnds) {
                addCharge(regionStart, regionCost);
                regionStart = i + 1;
                regionCost = 0;
            }
        }
    }

    private void addCharge(int beforeInstruction, long cost) {
        if (cost == 0) {
            return;
        }
        if (charges == chargeAt.length) {
            chargeAt = Arrays.copyOf(chargeAt, charges * 2);
            chargeCost = Arrays.copyOf(chargeCost, charges * 2);
        }
        chargeAt[charges] = beforeInstruction;
        chargeCost[charges] = cost;
        charges++;
    }

    private byte[] emit(byte[] module, int fuelGlobal, int growHook) {
        int originalSize = body.end() - body.localsStart();
        WasmWriter out = new WasmWriter(originalSize + charges * 20);
        out.bytes(module, body.localsStart(), body.instructionsStart() - body.localsStart());
        int copiedUpTo = body.instructionsStart();
        int nextCharge = 0;
        int n = growHook >= 0 ? body.instructionCount() : 0;
        for (int i = 0; i < n; i++) {
            if (nextCharge < charges && chargeAt[nextCharge] == i) {
                int at = body.offset(i);
                out.bytes(module, copiedUpTo, at - copiedUpTo);
                writeCharge(out, fuelGlobal, chargeCost[nextCharge++]);
                copiedUpTo = at;
            }
            if (body.opcode(i) == Opcodes.MEMORY_GROW) {
                int at = body.offset(i);
                out.bytes(module, copiedUpTo, at - copiedUpTo);
                out.u8(Opcodes.CALL).u32(growHook);
                copiedUpTo = body.endOffset(i);
            }
        }
        for (int c = nextCharge; c < charges; c++) {
            int at = body.offset(chargeAt[c]);
            out.bytes(module, copiedUpTo, at - copiedUpTo);
            writeCharge(out, fuelGlobal, chargeCost[c]);
            copiedUpTo = at;
        }
        out.bytes(module, copiedUpTo, body.end() - copiedUpTo);
        return out.toByteArray();
    }

    private static void writeCharge(WasmWriter out, int fuelGlobal, long cost) {
        out.u8(Opcodes.GLOBAL_GET).u32(fuelGlobal)
                .u8(Opcodes.I64_CONST).s64(cost)
                .u8(Opcodes.I64_SUB)
                .u8(Opcodes.GLOBAL_SET).u32(fuelGlobal)
                .u8(Opcodes.GLOBAL_GET).u32(fuelGlobal)
                .u8(Opcodes.I64_CONST).s64(0)
                .u8(Opcodes.I64_LT_S)
                .u8(Opcodes.IF).u8(ValueTypes.EMPTY_BLOCK)
                .u8(Opcodes.UNREACHABLE)
                .u8(Opcodes.END);
    }
}
