package run.capsule.runner.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static run.capsule.runner.wasm.ModuleRewriterTest.body;
import static run.capsule.runner.wasm.TestModule.I32;
import static run.capsule.runner.wasm.TestModule.charge;
import static run.capsule.runner.wasm.TestModule.concat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GrowthTrackingTest {
    private static final RewriteOptions TRACK_ONLY = RewriteOptions.defaults().withMeterFuel(false).withTrackGrowth(true);
    private static final int[] GROW = {0x20, 0x00, 0x40, 0x00, 0x0b};

    private static TestModule growingModule() {
        TestModule module = new TestModule();
        int type = module.type(new int[] {I32}, new int[] {I32});
        return module.memory(1, 4L).function(type, GROW).exportFunction("grow", 0);
    }

    @Test
    void everyMemoryGrowBecomesACallOfTheAppendedHook() throws Exception {
        RewrittenModule result = ModuleRewriter.rewrite("g.wasm", growingModule().build(), TRACK_ONLY);

        assertThat(result.fuel()).isEmpty();
        assertThat(result.growthRefusedFlag()).contains("capsule_grow_refused");
        ModuleDump out = new ModuleDump(result.bytes());
        assertThat(out.exports()).containsExactly(
                new ModuleDump.Export("grow", 0, 0),
                new ModuleDump.Export("capsule_grow_refused", 0, 2));
        List<byte[]> bodies = out.bodies();
        assertThat(bodies.get(0)).as("local.get 0; call 1").isEqualTo(body(0x20, 0x00, 0x10, 0x01, 0x0b));
        assertThat(bodies.get(1)).as("the hook grows and sets global 0 on -1").isEqualTo(body(
                0x20, 0x00, 0x40, 0x00, 0x22, 0x00, 0x41, 0x7f, 0x46, 0x04, 0x40, 0x41, 0x01, 0x24, 0x00, 0x0b,
                0x20, 0x00, 0x0b));
        assertThat(bodies.get(2)).as("flag getter").isEqualTo(body(0x23, 0x00, 0x0b));
        ExternalTool.assertValidIfWabtPresent(result.bytes());
    }

    @Test
    void withFuelTheHookComesAfterTheFuelAccessorsAndIsChargedAsTheGrowItReplaces() throws Exception {
        RewrittenModule result = ModuleRewriter.rewrite("g.wasm", growingModule().build(), TRACK_ONLY.withMeterFuel(true));

        assertThat(result.fuel()).contains(new FuelAccessors("capsule_fuel_set", "capsule_fuel_get", 0));
        List<byte[]> bodies = new ModuleDump(result.bytes()).bodies();
        assertThat(bodies).hasSize(5);
        assertThat(bodies.get(0)).isEqualTo(body(concat(charge(0, 2), new int[] {0x20, 0x00, 0x10, 0x03, 0x0b})));
        ExternalTool.assertValidIfWabtPresent(result.bytes());
    }

    @Test
    void aModuleWithoutMemoryGetsNoFlag() throws Exception {
        TestModule module = new TestModule();
        module.function(module.type(new int[] {}, new int[] {}), 0x0b);

        RewrittenModule result = ModuleRewriter.rewrite("n.wasm", module.build(), TRACK_ONLY);

        assertThat(result.growthRefusedFlag()).isEmpty();
        assertThat(new ModuleDump(result.bytes()).bodies()).hasSize(1);
    }
}
