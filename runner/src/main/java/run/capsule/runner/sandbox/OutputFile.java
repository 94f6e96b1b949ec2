package run.capsule.runner.sandbox;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A file the guest writes one of its streams to, read back with a size cap. */
public final class OutputFile {
    private final Path path;
    private long streamed;

    OutputFile(Path path) throws IOException {
        this.path = path;
        Files.deleteIfExists(path);
        Files.createFile(path);
    }

    Path path() {
        return path;
    }

    public long size() {
        try {
            return Files.size(path);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The first {@code cap} bytes as text (a cut multi-byte character is replaced). */
    Captured read(long cap) throws IOException {
        long size = size();
        int n = (int) Math.min(size, cap);
        byte[] head = new byte[n];
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            f.readFully(head);
        }
        return new Captured(new String(head, StandardCharsets.UTF_8), size > cap);
    }

    /** Bytes written since the last call, up to {@code cap} in total over all calls; null when there are none. */
    public String drainNew(long cap) throws IOException {
        long size = Math.min(size(), cap);
        if (size <= streamed) {
            return null;
        }
        byte[] chunk = new byte[(int) (size - streamed)];
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            f.seek(streamed);
            f.readFully(chunk);
        }
        streamed = size;
        return new String(chunk, StandardCharsets.UTF_8);
    }

    record Captured(String text, boolean truncated) {
    }
}
