package run.capsule.runner.wasm;

import java.util.List;

/**
 * A tiny module serving the quickjs-wasi imports that need no host: {@code host_interrupt} (0: never interrupt;
 * fuel and the epoch deadline stop a guest), {@code host_get_timezone_offset} (0: UTC) and
 * {@code host_promise_rejection} (nothing; QuickJS calls it only once a rejection handler is enabled, which the
 * runner never does). Instantiating it costs less than creating three host functions in every store.
 */
public final class QuickJsStubs {
    public static final List<String> FUNCTIONS = List.of("host_interrupt", "host_get_timezone_offset", "host_promise_rejection");

    private QuickJsStubs() {
    }

    public static byte[] module() {
        WasmWriter types = new WasmWriter().u32(3)
                .u8(0x60).u32(0).u32(1).u8(ValueTypes.I32)
                .u8(0x60).u32(2).u8(ValueTypes.I32).u8(ValueTypes.I32).u32(1).u8(ValueTypes.I32)
                .u8(0x60).u32(3).u8(ValueTypes.I32).u8(ValueTypes.I32).u8(ValueTypes.I32).u32(0);
        WasmWriter functions = new WasmWriter().u32(3).u32(0).u32(1).u32(2);
        WasmWriter exports = new WasmWriter().u32(3);
        for (int i = 0; i < FUNCTIONS.size(); i++) {
            exports.name(FUNCTIONS.get(i)).u8(0).u32(i);
        }
        WasmWriter zero = new WasmWriter().u32(0).u8(Opcodes.I32_CONST).u32(0).u8(Opcodes.END);
        WasmWriter nothing = new WasmWriter().u32(0).u8(Opcodes.END);
        WasmWriter code = new WasmWriter().u32(3)
                .u32(zero.size()).bytes(zero)
                .u32(zero.size()).bytes(zero)
                .u32(nothing.size()).bytes(nothing);
        return new WasmWriter()
                .u8(0x00).u8(0x61).u8(0x73).u8(0x6d).u8(0x01).u8(0x00).u8(0x00).u8(0x00)
                .section(Section.TYPE, types)
                .section(Section.FUNCTION, functions)
                .section(Section.EXPORT, exports)
                .section(Section.CODE, code)
                .toByteArray();
    }
}
