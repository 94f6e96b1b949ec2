package run.capsule.runner.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static run.capsule.runner.wasm.TestModule.I32;
import static run.capsule.runner.wasm.TestModule.I64;
import static run.capsule.runner.wasm.TestModule.charge;
import static run.capsule.runner.wasm.TestModule.concat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModuleRewriterTest {
    private static final int[] NONE = {};
    private static final RewriteOptions FUEL = RewriteOptions.defaults();
    private static final RewriteOptions NO_FUEL = RewriteOptions.defaults().withMeterFuel(false);

    @Test
    void appendsFuelCounterAndAccessorsWithoutShiftingAnyIndex() throws Exception {
        TestModule module = new TestModule();
        int returnsI32 = module.type(NONE, new int[] {I32});
        int takesI32 = module.type(new int[] {I32}, NONE);
        int[] first = {0x23, 0x00, 0x23, 0x01, 0x6a, 0x0b};
        int[] second = {0x10, 0x01, 0x10, 0x00, 0x41, 0x07, 0x0b};
        module.importFunction("env", "f", takesI32)
                .importGlobal("env", "g", I32, false)
                .function(returnsI32, first)
                .function(returnsI32, second)
                .global(I32, true, 0x41, 0x00, 0x0b)
                .exportFunction("first", 1)
                .exportFunction("second", 2)
                .exportGlobal("g", 1);

        RewrittenModule result = ModuleRewriter.rewrite("m.wasm", module.build(), FUEL);

        int fuelGlobal = 2;
        assertThat(result.fuel()).contains(new FuelAccessors("capsule_fuel_set", "capsule_fuel_get", fuelGlobal));
        ModuleDump out = new ModuleDump(result.bytes());
        assertThat(out.count(1)).as("types").isEqualTo(4);
        assertThat(out.count(3)).as("defined functions").isEqualTo(4);
        assertThat(out.count(6)).as("defined globals").isEqualTo(2);
        assertThat(out.exports()).containsExactly(
                new ModuleDump.Export("first", 0, 1),
                new ModuleDump.Export("second", 0, 2),
                new ModuleDump.Export("g", 3, 1),
                new ModuleDump.Export("capsule_fuel_set", 0, 3),
                new ModuleDump.Export("capsule_fuel_get", 0, 4));
        List<byte[]> bodies = out.bodies();
        assertThat(bodies.get(0)).isEqualTo(body(concat(charge(fuelGlobal, 3), first)));
        assertThat(bodies.get(1)).isEqualTo(body(concat(charge(fuelGlobal, 3), second)));
        assertThat(bodies.get(2)).as("setter: local.get 0; global.set 2").isEqualTo(body(0x20, 0x00, 0x24, 0x02, 0x0b));
        assertThat(bodies.get(3)).as("getter: global.get 2").isEqualTo(body(0x23, 0x02, 0x0b));
        assertThat(new ModuleDump(result.bytes()).sections.get(6))
                .as("original global kept, fuel global appended with initial value 0")
                .isEqualTo(bytes(2, I32, 1, 0x41, 0x00, 0x0b, I64, 1, 0x42, 0x00, 0x0b));
        assertThat(result.chargePoints()).isEqualTo(2);
        ExternalTool.assertValidIfWabtPresent(result.bytes());
    }

    @Test
    void chargesEachRegionItsCostAtItsStart() throws Exception {
        int[] code = {
            0x02, 0x40,             // block
            0x20, 0x00,             // local.get 0
            0x0d, 0x00,             // br_if 0: the fall-through starts a region
            0x41, 0x01, 0x1a, 0x01, // i32.const 1; drop; nop
            0x0b,                   // end of a targeted block: a join point
            0x03, 0x40,             // loop: its body starts a region
            0x20, 0x00, 0x0d, 0x00, // local.get 0; br_if 0
            0x0b,                   // end of loop: only reached by falling through, the region goes on
            0x41, 0x05, 0x1a,       // i32.const 5; drop
            0x0b};
        int[] expected = concat(
                charge(0, 2), new int[] {0x02, 0x40, 0x20, 0x00, 0x0d, 0x00},
                charge(0, 1), new int[] {0x41, 0x01, 0x1a, 0x01, 0x0b, 0x03, 0x40},
                charge(0, 2), new int[] {0x20, 0x00, 0x0d, 0x00},
                charge(0, 1), new int[] {0x0b, 0x41, 0x05, 0x1a, 0x0b});
        assertThat(instrumentedBody(new int[] {I32}, code)).isEqualTo(body(expected));
    }

    @Test
    void chargesEachArmOfAnIfSeparately() throws Exception {
        int[] code = {
            0x20, 0x00, 0x04, 0x7f, // local.get 0; if (result i32)
            0x41, 0x01,             // i32.const 1
            0x05,                   // else
            0x41, 0x02, 0x41, 0x03, 0x6a, // i32.const 2; i32.const 3; i32.add
            0x0b, 0x1a, 0x0b};      // end; drop; end: free, so no charge after the if
        int[] expected = concat(
                charge(0, 2), new int[] {0x20, 0x00, 0x04, 0x7f},
                charge(0, 1), new int[] {0x41, 0x01, 0x05},
                charge(0, 3), new int[] {0x41, 0x02, 0x41, 0x03, 0x6a, 0x0b, 0x1a, 0x0b});
        assertThat(instrumentedBody(new int[] {I32}, code)).isEqualTo(body(expected));
    }

    @Test
    void mergesCodeAfterABlockNoBranchTargets() throws Exception {
        int[] code = {0x02, 0x40, 0x41, 0x01, 0x1a, 0x0b, 0x41, 0x02, 0x1a, 0x0b};
        assertThat(instrumentedBody(NONE, code)).isEqualTo(body(concat(charge(0, 2), code)));
    }

    @Test
    void chargesNothingForCodeThatCannotRun() throws Exception {
        int[] code = {
            0x02, 0x40, 0x0c, 0x00,       // block; br 0
            0x41, 0x01, 0x1a, 0x0b,       // dead: i32.const 1; drop; end
            0x00, 0x41, 0x02, 0x1a, 0x0b}; // unreachable; dead: i32.const 2; drop; end
        assertThat(instrumentedBody(NONE, code)).isEqualTo(body(concat(charge(0, 1), code)));
    }

    @Test
    void chargesBrTableAndReturnPathsOnce() throws Exception {
        int[] code = {
            0x02, 0x40, 0x20, 0x00, 0x0e, 0x01, 0x00, 0x00, // block; local.get 0; br_table 0 0
            0x41, 0x09, 0x1a, 0x0b,                         // dead; end
            0x20, 0x00, 0x04, 0x40, 0x0f, 0x0b,             // local.get 0; if; return; end
            0x41, 0x01, 0x1a, 0x0b};                        // i32.const 1; drop; end
        int[] expected = concat(
                charge(0, 2), new int[] {0x02, 0x40, 0x20, 0x00, 0x0e, 0x01, 0x00, 0x00, 0x41, 0x09, 0x1a, 0x0b},
                charge(0, 2), new int[] {0x20, 0x00, 0x04, 0x40, 0x0f, 0x0b},
                charge(0, 1), new int[] {0x41, 0x01, 0x1a, 0x0b});
        assertThat(instrumentedBody(new int[] {I32}, code)).isEqualTo(body(expected));
    }

    @Test
    void keepsFunctionsWithoutCostUnchanged() throws Exception {
        int[] code = {0x01, 0x02, 0x40, 0x0b, 0x0b};
        assertThat(instrumentedBody(NONE, code)).isEqualTo(body(code));
    }

    @Test
    void encodesLargeCostsAsSignedLeb128() throws Exception {
        int[] code = new int[301];
        for (int i = 0; i < 300; i += 3) {
            code[i] = 0x41;
            code[i + 2] = 0x1a;
        }
        code[300] = 0x0b;
        assertThat(instrumentedBody(NONE, code)).isEqualTo(body(concat(charge(0, 100), code)));
        assertThat(charge(0, 100)).as("100 needs two bytes as a signed LEB128").contains(0xe4, 0x00);
    }

    @Test
    void dropsCustomSectionsAndKeepsOtherSectionsByteForByte() throws Exception {
        int[] data = {0x0b, 0x09, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x61, 0x62, 0x63};
        TestModule module = new TestModule().memory(1, 2L).custom("name", 0x01, 0x02).custom(".debug_info", 0x00)
                .rawSections(data);
        ModuleDump out = new ModuleDump(ModuleRewriter.rewrite("m.wasm", module.build(), NO_FUEL).bytes());

        assertThat(out.customSectionNames).isEmpty();
        assertThat(out.sectionIds).containsExactly(5, 11);
        assertThat(out.sections.get(11)).isEqualTo(bytes(0x01, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x61, 0x62, 0x63));
    }

    @Test
    void leavesCodeUntouchedWithoutFuelMetering() throws Exception {
        TestModule module = new TestModule();
        int[] code = {0x20, 0x00, 0x04, 0x40, 0x0f, 0x0b, 0x0b};
        module.function(module.type(new int[] {I32}, NONE), code).exportFunction("f", 0);
        RewrittenModule result = ModuleRewriter.rewrite("m.wasm", module.build(), NO_FUEL);

        assertThat(result.fuel()).isEmpty();
        assertThat(result.bytes()).isEqualTo(module.build());
    }

    @Test
    void createsMissingSectionsInTheirRequiredOrder() throws Exception {
        byte[] empty = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
        byte[] rewritten = ModuleRewriter.rewrite("empty.wasm", empty, FUEL).bytes();
        assertThat(new ModuleDump(rewritten).sectionIds).containsExactly(1, 3, 6, 7, 10);
        ExternalTool.assertValidIfWabtPresent(rewritten);

        int[] dataCountAndData = {0x0c, 0x01, 0x01, 0x0b, 0x04, 0x01, 0x01, 0x01, 0x7a};
        byte[] module = new TestModule().memory(1, null).rawSections(dataCountAndData).build();
        rewritten = ModuleRewriter.rewrite("data.wasm", module, FUEL).bytes();
        assertThat(new ModuleDump(rewritten).sectionIds).containsExactly(1, 3, 5, 6, 7, 12, 10, 11);
        ExternalTool.assertValidIfWabtPresent(rewritten);
    }

    @Test
    void renamesAccessorsThatWouldCollideWithExistingExports() throws Exception {
        TestModule module = new TestModule();
        module.function(module.type(NONE, NONE), 0x0b).exportFunction("capsule_fuel_set", 0);
        RewrittenModule result = ModuleRewriter.rewrite("m.wasm", module.build(), FUEL);
        assertThat(result.fuel()).get().extracting(FuelAccessors::setter).isEqualTo("capsule_fuel_set_2");
        assertThat(result.fuel()).get().extracting(FuelAccessors::getter).isEqualTo("capsule_fuel_get");
    }

    @Test
    void startsTheCounterAtTheConfiguredInitialFuel() throws Exception {
        ModuleDump out = new ModuleDump(ModuleRewriter.rewrite("m.wasm", new TestModule().build(),
                FUEL.withInitialFuel(1000)).bytes());
        assertThat(out.sections.get(6)).isEqualTo(bytes(1, I64, 1, 0x42, 0xe8, 0x07, 0x0b));
    }

    @Test
    void capsMemoryAndTableMaximaDefinedOrImported() throws Exception {
        RewriteOptions caps = NO_FUEL.withMaxMemoryPages(10).withMaxTableElements(100);
        byte[] imports = new TestModule()
                .importMemory("env", "memory", 1, null)
                .importTable("env", "table", 5, 1000L)
                .build();
        byte[] definitions = new TestModule()
                .table(1, 50L)
                .table(2, null)
                .memory(3, 20L)
                .build();

        assertThat(new ModuleDump(ModuleRewriter.rewrite("m.wasm", imports, caps).bytes()).importedLimits())
                .containsExactly(new ModuleDump.Limits(1, 1, 10), new ModuleDump.Limits(1, 5, 100));
        ModuleDump out = new ModuleDump(ModuleRewriter.rewrite("m.wasm", definitions, caps).bytes());
        assertThat(out.limits(4)).containsExactly(
                new ModuleDump.Limits(1, 1, 50), new ModuleDump.Limits(1, 2, 100));
        assertThat(out.limits(5)).containsExactly(new ModuleDump.Limits(1, 3, 10));
    }

    @Test
    void refusesMemoriesAndTablesThatStartAboveTheCap() {
        RewriteOptions caps = NO_FUEL.withMaxMemoryPages(10).withMaxTableElements(100);
        assertThatThrownBy(() -> ModuleRewriter.rewrite("big.wasm", new TestModule().memory(20, null).build(), caps))
                .isInstanceOf(InvalidModuleException.class)
                .hasMessage("big.wasm declares memory 0 with an initial size of 20 pages, above Capsule's limit of 10 pages");
        assertThatThrownBy(() -> ModuleRewriter.rewrite("big.wasm",
                new TestModule().importTable("env", "t", 101, null).build(), caps))
                .hasMessage("big.wasm declares imported table env.t with an initial size of 101 elements, above "
                        + "Capsule's limit of 100 elements");
    }

    @Test
    void refusesBodiesThatGrowPastTheSizeLimit() throws Exception {
        TestModule module = new TestModule();
        int type = module.type(NONE, NONE);
        module.importFunction("env", "f", type).function(type, 0x10, 0x00, 0x10, 0x00, 0x0b);
        byte[] bytes = module.build();
        RewriteOptions small = FUEL.withMaxFunctionBodyBytes(20);

        assertThat(ModuleRewriter.rewrite("m.wasm", bytes, small.withMeterFuel(false)).bytes()).isNotEmpty();
        assertThatThrownBy(() -> ModuleRewriter.rewrite("m.wasm", bytes, small))
                .isInstanceOf(InvalidModuleException.class)
                .hasMessage("m.wasm function 1 has a body of 22 bytes after fuel instrumentation, above the limit of 20 bytes");
        assertThatThrownBy(() -> ModuleRewriter.rewrite("m.wasm", bytes, small.withMaxFunctionBodyBytes(5)))
                .hasMessage("m.wasm function 1 has a body of 6 bytes, above the limit of 5 bytes");
    }

    @Test
    void refusesFunctionsWithTooManyInstructions() {
        TestModule module = new TestModule();
        module.function(module.type(NONE, NONE), 0x01, 0x01, 0x01, 0x01, 0x0b);
        assertThatThrownBy(() -> ModuleRewriter.rewrite("m.wasm", module.build(),
                NO_FUEL.withMaxFunctionInstructions(4)))
                .hasMessage("m.wasm function 0 has 5 instructions, above the limit of 4");

        TestModule costly = new TestModule();
        costly.function(costly.type(NONE, NONE), 0x41, 0x00, 0x1a, 0x0b);
        assertThatThrownBy(() -> ModuleRewriter.rewrite("m.wasm", costly.build(), FUEL.withMaxFunctionInstructions(12)))
                .hasMessage("m.wasm function 0 has 13 instructions after fuel instrumentation, above the limit of 12");
    }

    @Test
    void refusesMalformedInputWithAMessage() {
        assertThatThrownBy(() -> ModuleRewriter.rewrite("x.txt", "(module)".getBytes(), FUEL))
                .isExactlyInstanceOf(InvalidModuleException.class)
                .hasMessage("x.txt is not a WebAssembly module (no \\0asm header)");
        byte[] truncated = new TestModule().memory(1, null).build();
        assertThatThrownBy(() -> ModuleRewriter.rewrite("t.wasm", java.util.Arrays.copyOf(truncated, truncated.length - 1), FUEL))
                .isExactlyInstanceOf(InvalidModuleException.class)
                .hasMessageStartingWith("t.wasm is malformed: section 5 declares 3 bytes but only 2 remain");
        TestModule unknown = new TestModule();
        unknown.function(unknown.type(NONE, NONE), 0x27, 0x0b);
        assertThatThrownBy(() -> ModuleRewriter.rewrite("u.wasm", unknown.build(), FUEL))
                .hasMessageStartingWith("u.wasm is malformed: function 0: unknown opcode 0x27");
    }

    private static byte[] instrumentedBody(int[] params, int[] code) throws InvalidModuleException {
        TestModule module = new TestModule();
        module.function(module.type(params, NONE), code);
        return new ModuleDump(ModuleRewriter.rewrite("m.wasm", module.build(), FUEL).bytes()).bodies().get(0);
    }

    /** A body without locals: the empty local declaration vector, then the instructions. */
    static byte[] body(int... code) {
        return bytes(concat(new int[] {0x00}, code));
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
