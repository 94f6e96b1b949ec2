package run.capsule.runner.wasm;

/**
 * What one instruction costs, following wasmtime's own fuel accounting: one unit per instruction, except
 * those that generate no code or only end a path ({@code nop}, {@code drop}, {@code block}, {@code loop},
 * {@code else}, {@code end}, {@code unreachable}, {@code return}), which are free. See docs/fuel.md.
 */
final class FuelCost {
    private FuelCost() {
    }

    static int of(int opcode) {
        return switch (opcode) {
            case Opcodes.NOP, Opcodes.DROP, Opcodes.BLOCK, Opcodes.LOOP, Opcodes.ELSE, Opcodes.END,
                    Opcodes.UNREACHABLE, Opcodes.RETURN -> 0;
            default -> 1;
        };
    }
}
