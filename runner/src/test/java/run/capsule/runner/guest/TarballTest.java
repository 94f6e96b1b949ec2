package run.capsule.runner.guest;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How npm tarballs are read (the interpreters, Sucrase): one entry, or every file under a prefix. */
class TarballTest {
    @Test
    void oneEntryIsReadExactlyAndAPrefixReadsEveryFileUnderIt() throws IOException {
        byte[] tgz = tgz("package/python.wasm", "WASM", "package/python.wasm.map", "MAP", "package/lib/os.py", "import sys");

        assertThat(new String(Interpreters.extract(tgz, "package/python.wasm"), StandardCharsets.UTF_8)).isEqualTo("WASM");
        assertThat(Interpreters.extractAll(tgz, "package/lib/")).containsOnlyKeys("os.py");
        assertThatThrownBy(() -> Interpreters.extract(tgz, "package/missing.wasm")).hasMessageContaining("holds no package/missing.wasm");
    }

    private static byte[] tgz(String... namesAndTexts) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            for (int i = 0; i < namesAndTexts.length; i += 2) {
                byte[] data = namesAndTexts[i + 1].getBytes(StandardCharsets.UTF_8);
                byte[] header = new byte[512];
                byte[] name = namesAndTexts[i].getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(name, 0, header, 0, name.length);
                byte[] size = String.format("%011o", data.length).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(size, 0, header, 124, size.length);
                header[156] = '0';
                out.write(header);
                out.write(data);
                out.write(new byte[(512 - data.length % 512) % 512]);
            }
            out.write(new byte[1024]);
        }
        return bytes.toByteArray();
    }
}
