package run.capsule.protocol;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Frames: a 4-byte big-endian length followed by that many bytes of UTF-8 JSON encoding one {@link Message}.
 * Writers must not interleave: {@link #write} is synchronized on the stream.
 */
public final class FrameCodec {
    public static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private FrameCodec() {
    }

    public static void write(OutputStream out, Message message) throws IOException {
        byte[] body = JSON.writeValueAsBytes(message);
        if (body.length > MAX_FRAME_BYTES) {
            throw new IOException("frame of " + body.length + " bytes exceeds " + MAX_FRAME_BYTES);
        }
        byte[] header = {(byte) (body.length >>> 24), (byte) (body.length >>> 16), (byte) (body.length >>> 8), (byte) body.length};
        synchronized (out) {
            out.write(header);
            out.write(body);
            out.flush();
        }
    }

    /** Reads the next message, or returns null at a clean end of stream. */
    public static Message read(InputStream in) throws IOException {
        DataInputStream data = in instanceof DataInputStream d ? d : new DataInputStream(in);
        int first = data.read();
        if (first < 0) {
            return null;
        }
        int length;
        try {
            length = (first << 24) | (data.readUnsignedByte() << 16) | (data.readUnsignedByte() << 8) | data.readUnsignedByte();
        } catch (EOFException e) {
            throw new IOException("stream ended inside a frame header", e);
        }
        if (length < 0 || length > MAX_FRAME_BYTES) {
            throw new IOException("bad frame length " + length);
        }
        byte[] body = new byte[length];
        data.readFully(body);
        return JSON.readValue(body, Message.class);
    }
}
