package run.capsule.engine.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The node's side of one hand-off's replies: JSON lines written whole, one at a time, to the CLI's connection. The
 * command's stdout and stderr become {@code out} and {@code err} lines of text, in the order they were flushed.
 */
final class HandOffFrames {
    private final WritableByteChannel channel;
    private final Charset charset;
    private volatile boolean printed;

    HandOffFrames(WritableByteChannel channel, Charset charset) {
        this.channel = channel;
        this.charset = charset;
    }

    /** Whether any output was sent (after which the CLI can no longer fall back to running the command itself). */
    boolean printed() {
        return printed;
    }

    synchronized void send(Map<String, ?> frame) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((JsonLine.write(frame) + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** A stream whose text is sent as {@code stream} lines; autoflush, in the CLI's charset. */
    PrintStream stream(String stream) {
        return new PrintStream(new FrameStream(stream), true, charset);
    }

    /** Buffers bytes and, on flush, sends the text of the whole characters among them. */
    private final class FrameStream extends OutputStream {
        private final String stream;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final CharsetDecoder decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);

        FrameStream(String stream) {
            this.stream = stream;
        }

        @Override
        public synchronized void write(int b) {
            pending.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            pending.write(b, off, len);
        }

        @Override
        public synchronized void flush() throws IOException {
            if (pending.size() == 0) {
                return;
            }
            ByteBuffer in = ByteBuffer.wrap(pending.toByteArray());
            CharBuffer text = CharBuffer.allocate(in.remaining() + 16);
            decoder.reset();
            decoder.decode(in, text, false);
            pending.reset();
            pending.write(in.array(), in.position(), in.remaining());
            text.flip();
            if (text.hasRemaining()) {
                printed = true;
                send(Map.of(stream, text.toString()));
            }
        }
    }
}
