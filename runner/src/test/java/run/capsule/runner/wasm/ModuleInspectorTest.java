package run.capsule.runner.wasm;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModuleInspectorTest {
    private static final byte[] HEADER = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

    /** A module with one type () -> (), the given function imports, one function and an export "_start". */
    private static byte[] module(String[][] imports) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes(HEADER);
        section(m, 1, new byte[]{1, 0x60, 0, 0});
        ByteArrayOutputStream imp = new ByteArrayOutputStream();
        imp.write(imports.length);
        for (String[] i : imports) {
            name(imp, i[0]);
            name(imp, i[1]);
            imp.write(0);
            imp.write(0);
        }
        if (imports.length > 0) {
            section(m, 2, imp.toByteArray());
        }
        section(m, 3, new byte[]{1, 0});
        ByteArrayOutputStream exp = new ByteArrayOutputStream();
        exp.write(1);
        name(exp, "_start");
        exp.write(0);
        exp.write(imports.length);
        section(m, 7, exp.toByteArray());
        section(m, 10, new byte[]{1, 2, 0, 0x0b});
        return m.toByteArray();
    }

    private static void section(ByteArrayOutputStream m, int id, byte[] body) {
        m.write(id);
        m.write(body.length);
        m.writeBytes(body);
    }

    private static void name(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length);
        out.writeBytes(b);
    }

    @Test
    void readsImportsAndExports() throws Exception {
        ModuleInfo info = ModuleInspector.inspect("m.wasm", module(new String[][]{{"wasi_snapshot_preview1", "fd_write"}}));
        assertThat(info.imports()).containsExactly(new ModuleInfo.Import("wasi_snapshot_preview1", "fd_write", ModuleInfo.Kind.FUNC));
        assertThat(info.exportsFunction("_start")).isTrue();
        assertThat(ImportPolicy.check("m.wasm", info)).isEmpty();
    }

    @Test
    void refusesImportsOutsideWasiPreview1IncludingTheOldNamespace() throws Exception {
        ModuleInfo unstable = ModuleInspector.inspect("m.wasm", module(new String[][]{{"wasi_unstable", "random_get"}}));
        ModuleInfo env = ModuleInspector.inspect("m.wasm", module(new String[][]{{"env", "foo"}}));
        ModuleInfo unknown = ModuleInspector.inspect("m.wasm", module(new String[][]{{"wasi_snapshot_preview1", "sock_open"}}));
        assertThat(ImportPolicy.check("m.wasm", unstable)).hasValueSatisfying(m -> assertThat(m).contains("wasi_unstable.random_get"));
        assertThat(ImportPolicy.check("m.wasm", env)).hasValueSatisfying(m -> assertThat(m).contains("env.foo"));
        assertThat(ImportPolicy.check("m.wasm", unknown)).hasValueSatisfying(m -> assertThat(m).contains("sock_open"));
    }

    @Test
    void allowsExactlyTheHostCallFromTheCapsuleModule() throws Exception {
        ModuleInfo hostCall = ModuleInspector.inspect("m.wasm", module(new String[][]{{"capsule", "host_call"}, {"wasi_snapshot_preview1", "fd_write"}}));
        ModuleInfo other = ModuleInspector.inspect("m.wasm", module(new String[][]{{"capsule", "memory"}}));
        assertThat(ImportPolicy.check("m.wasm", hostCall)).isEmpty();
        assertThat(ImportPolicy.check("m.wasm", other)).hasValueSatisfying(m -> assertThat(m).contains("capsule.memory"));
    }

    @Test
    void namesWhatIsWrongWithBrokenInput() {
        byte[] good = module(new String[0][]);
        assertThatThrownBy(() -> ModuleInspector.inspect("x.wasm", new byte[0])).hasMessage("x.wasm is empty, not a WebAssembly module");
        assertThatThrownBy(() -> ModuleInspector.inspect("x.wasm", "hello there".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("x.wasm is not a WebAssembly module");
        assertThatThrownBy(() -> ModuleInspector.inspect("x.wat", ";; comment\n(module)".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("WebAssembly text");
        assertThatThrownBy(() -> ModuleInspector.inspect("x.wasm", Arrays.copyOf(good, good.length - 3)))
                .hasMessageContaining("x.wasm is truncated");
        byte[] component = Arrays.copyOf(good, good.length);
        component[4] = 0x0d;
        component[6] = 0x01;
        assertThatThrownBy(() -> ModuleInspector.inspect("x.wasm", component)).hasMessageContaining("component");
    }
}
