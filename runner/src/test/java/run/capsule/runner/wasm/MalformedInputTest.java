package run.capsule.runner.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hostile bytes end in a result or an InvalidModuleException, never in another exception. */
class MalformedInputTest {
    @Test
    void corruptedModulesFailOnlyWithInvalidModuleException() {
        byte[] valid = sampleModule();
        Random random = new Random(20261126L);
        List<String> unexpected = new ArrayList<>();
        int rewritten = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] mutated = valid.clone();
            int flips = 1 + random.nextInt(4);
            for (int i = 0; i < flips; i++) {
                int at = 8 + random.nextInt(mutated.length - 8);
                mutated[at] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) (mutated[at] ^ (1 << random.nextInt(8)));
            }
            if (random.nextInt(10) == 0) {
                mutated = java.util.Arrays.copyOf(mutated, 8 + random.nextInt(mutated.length - 8));
            }
            try {
                ModuleRewriter.rewrite("fuzz.wasm", mutated, RewriteOptions.defaults());
                rewritten++;
            } catch (InvalidModuleException expected) {
                assertThat(expected.getMessage()).startsWith("fuzz.wasm ");
            } catch (RuntimeException | StackOverflowError e) {
                unexpected.add(e + " for round " + round);
            }
        }
        assertThat(unexpected).isEmpty();
        assertThat(rewritten).isPositive();
    }

    private static byte[] sampleModule() {
        TestModule module = new TestModule();
        int type = module.type(new int[] {TestModule.I32}, new int[] {TestModule.I32});
        module.importFunction("env", "f", type)
                .importMemory("env", "memory", 1, null)
                .table(2, null)
                .global(TestModule.I64, true, 0x42, 0x00, 0x0b)
                .functionWithLocals(type, new int[] {1, 2, TestModule.I64},
                        0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x0d, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00,
                        0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x00, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x41, 0x00, 0x28, 0x02,
                        0x00, 0x0b, 0x0e, 0x02, 0x00, 0x00, 0x00, 0x0b)
                .exportFunction("run", 1)
                .custom("name", 0x00, 0x01, 0x02)
                .rawSections(0x0b, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x61);
        return module.build();
    }
}
