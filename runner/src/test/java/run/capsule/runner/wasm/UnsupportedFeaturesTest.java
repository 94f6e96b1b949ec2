package run.capsule.runner.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static run.capsule.runner.wasm.TestModule.I32;

import org.junit.jupiter.api.Test;

/** Features beyond wasmtime 7's defaults are refused with a message that names them. */
class UnsupportedFeaturesTest {
    private static final int[] NONE = {};

    @Test
    void threadsAtomics() {
        assertRefused(withBody(0xfe, 0x03, 0x00, 0x0b), "threads (0xFE atomics)",
                "f.wasm uses threads (0xFE atomics) in function 0, which Capsule does not support");
    }

    @Test
    void sharedMemory() {
        assertRefused(new TestModule().rawMemory(0x03, 0x01, 0x02).build(), "threads (shared memory)",
                "f.wasm uses threads (shared memory), which Capsule does not support");
    }

    @Test
    void memory64() {
        assertRefused(new TestModule().rawMemory(0x04, 0x01).build(), "memory64 (64-bit memory)", null);
    }

    @Test
    void exceptionHandling() {
        assertRefused(withBody(0x06, 0x40, 0x0b, 0x0b), OperatorDecoder.EXCEPTIONS, null);
        assertRefused(withBody(0x08, 0x00, 0x0b), OperatorDecoder.EXCEPTIONS, null);
        assertRefused(new TestModule().rawSections(0x0d, 0x03, 0x01, 0x00, 0x00).build(),
                "exception handling (tag section)", null);
    }

    @Test
    void tailCalls() {
        assertRefused(withBody(0x12, 0x00, 0x0b), "tail calls (return_call)",
                "f.wasm uses tail calls (return_call) in function 0, which Capsule does not support");
    }

    @Test
    void multiMemory() {
        assertRefused(new TestModule().memory(1, null).memory(1, null).build(), "multi-memory (2 memories)", null);
        assertRefused(withBody(0x41, 0x00, 0x28, 0x42, 0x01, 0x00, 0x1a, 0x0b), "multi-memory", null);
        assertRefused(withBody(0x3f, 0x01, 0x1a, 0x0b), "multi-memory (memory index 1)", null);
    }

    @Test
    void relaxedSimd() {
        assertRefused(withBody(0xfd, 0x80, 0x02, 0x0b), "relaxed SIMD", null);
    }

    @Test
    void garbageCollectionAndFunctionReferences() {
        assertRefused(withBody(0xfb, 0x00, 0x0b), OperatorDecoder.GC_INSTRUCTIONS, null);
        assertRefused(withBody(0x14, 0x00, 0x0b), "typed function references", null);
        byte[] gcType = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x03, 0x01, 0x5f, 0x00};
        assertRefused(gcType, "garbage collection (GC) types", null);
        TestModule nonNullLocal = new TestModule();
        nonNullLocal.functionWithLocals(nonNullLocal.type(NONE, NONE), new int[] {1, 1, 0x64, 0x70}, 0x0b);
        assertRefused(nonNullLocal.build(), "typed function references", null);
    }

    @Test
    void extendedConstantExpressions() {
        byte[] module = new TestModule().global(I32, false, 0x41, 0x01, 0x41, 0x02, 0x6a, 0x0b).build();
        assertRefused(module, "extended constant expressions", null);
    }

    @Test
    void acceptsEveryDefaultFeatureOfWasmtime7() throws Exception {
        int[] code = {
            0x41, 0x00, 0xc0, 0x1a,                   // i32.extend8_s (sign extension)
            0x43, 0, 0, 0, 0, 0xfc, 0x00, 0x1a,       // i32.trunc_sat_f32_s (saturating float-to-int)
            0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0a, 0x00, 0x00, // memory.copy (bulk memory)
            0xd0, 0x70, 0xd1, 0x1a,                   // ref.null func; ref.is_null (reference types)
            0x41, 0x00, 0x25, 0x00, 0x1a,             // table.get 0
            0x41, 0x01, 0x41, 0x02, 0x41, 0x01, 0x1c, 0x01, 0x7f, 0x1a, // select (result i32)
            0x02, 0x00, 0x0b,                         // block (type 0) (multi-value block type)
            0xfd, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, // v128.const
            0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0xfd, 0x0d, 0, 17, 2, 19, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 31, // i8x16.shuffle
            0xfd, 0x15, 0x03, 0x1a,                   // i8x16.extract_lane_s 3
            0x41, 0x00, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0xfd, 0x54, 0x00, 0x00, 0x05, 0x1a,       // v128.load8_lane offset=0 lane 5
            0x0b};
        TestModule module = new TestModule();
        int empty = module.type(NONE, NONE);
        module.function(empty, code).memory(1, null).table(1, null);
        RewrittenModule result = ModuleRewriter.rewrite("all.wasm", module.build(), RewriteOptions.defaults());
        assertThat(result.chargePoints()).isEqualTo(1);
        ExternalTool.assertValidIfWabtPresent(module.build());
        ExternalTool.assertValidIfWabtPresent(result.bytes());
    }

    private static byte[] withBody(int... code) {
        TestModule module = new TestModule();
        module.function(module.type(NONE, NONE), code).memory(1, null);
        return module.build();
    }

    private static void assertRefused(byte[] module, String feature, String message) {
        UnsupportedFeatureException refusal = catchThrowableOfType(UnsupportedFeatureException.class,
                () -> ModuleRewriter.rewrite("f.wasm", module, RewriteOptions.defaults()));
        assertThat(refusal).as("refusal of " + feature).isNotNull();
        assertThat(refusal.feature()).isEqualTo(feature);
        assertThat(refusal.getMessage()).contains(feature).endsWith(", which Capsule does not support");
        if (message != null) {
            assertThat(refusal.getMessage()).isEqualTo(message);
        }
    }
}
