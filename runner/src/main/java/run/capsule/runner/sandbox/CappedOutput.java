package run.capsule.runner.sandbox;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * A guest stream the runner writes itself (a JavaScript task's console), appended to its output file unbuffered so
 * the watcher streams it. Keeps at most one byte beyond the attempt's output limit, enough for the result to say
 * the stream was truncated.
 */
final class CappedOutput implements AutoCloseable {
    private final OutputStream out;
    private final long cap;
    private long written;

    CappedOutput(Path path, long limitBytes) throws IOException {
        this.out = new FileOutputStream(path.toFile(), true);
        this.cap = limitBytes <= 0 ? Long.MAX_VALUE : limitBytes + 1;
    }

    synchronized void write(byte[] bytes) {
        if (written >= cap) {
            return;
        }
        int n = (int) Math.min(bytes.length, cap - written);
        try {
            out.write(bytes, 0, n);
            written += n;
        } catch (IOException e) {
            written = cap;
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing more will be written
        }
    }
}
