package run.capsule.protocol;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameCodecTest {
    @Test
    void everyMessageTypeRoundTrips() throws IOException {
        List<Message> messages = List.of(
                new Hello(Message.PROTOCOL_VERSION, 42, "7.0.1"),
                new RunAttempt("t#1", "ab12", "/cache/ab12.wasm", "hello", List.of("a", "b c"), Map.of("K", "v"),
                        List.of(new Mount("/host", "/data", true)), 1000, 4096, true),
                new GuestOutput("t#1", "stderr", "line\n"),
                new AttemptResult("t#1", 3, null, "task_error", "exited with code 3", "out", false, "err", true, 12, 65536L, null, false),
                new Shutdown());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Message m : messages) {
            FrameCodec.write(out, m);
        }
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        for (Message m : messages) {
            assertThat(FrameCodec.read(in)).isEqualTo(m);
        }
        assertThat(FrameCodec.read(in)).isNull();
    }

    @Test
    void aFrameIsALengthPrefixAndJsonTaggedWithItsType() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameCodec.write(out, new Shutdown());
        byte[] bytes = out.toByteArray();
        int length = ((bytes[0] & 0xff) << 24) | ((bytes[1] & 0xff) << 16) | ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
        assertThat(length).isEqualTo(bytes.length - 4);
        assertThat(new String(bytes, 4, length)).isEqualTo("{\"type\":\"shutdown\"}");
    }

    @Test
    void truncatedAndOversizedFramesAreErrors() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameCodec.write(out, new GuestOutput("a", "stderr", "text"));
        byte[] whole = out.toByteArray();
        assertThatThrownBy(() -> FrameCodec.read(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 2))))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> FrameCodec.read(new ByteArrayInputStream(new byte[]{0x7f, 0, 0, 0})))
                .isInstanceOf(IOException.class).hasMessageContaining("bad frame length");
    }

    @Test
    void aRunFrameWithoutAWriteQuotaGetsOneGibibyteAndOneWithItKeepsIt() throws IOException {
        byte[] json = ("{\"type\":\"run\",\"attemptId\":\"t#1\",\"moduleSha256\":\"ab\",\"modulePath\":\"/m.wasm\",\"programName\":\"m\","
                + "\"args\":[],\"env\":{},\"mounts\":[],\"timeoutMs\":1000,\"outputLimitBytes\":4096,\"streamStderr\":false}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(new byte[]{0, 0, (byte) (json.length >> 8), (byte) json.length});
        frame.write(json);
        RunAttempt absent = (RunAttempt) FrameCodec.read(new ByteArrayInputStream(frame.toByteArray()));
        assertThat(absent.writeQuotaBytes()).isEqualTo(1L << 30);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameCodec.write(out, absent.withWriteQuota(12345));
        assertThat(new String(out.toByteArray(), 4, out.size() - 4)).contains("\"writeQuotaBytes\":12345");
        assertThat(((RunAttempt) FrameCodec.read(new ByteArrayInputStream(out.toByteArray()))).writeQuotaBytes()).isEqualTo(12345L);
    }
}
