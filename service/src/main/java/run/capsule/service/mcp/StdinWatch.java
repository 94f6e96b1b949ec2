package run.capsule.service.mcp;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** The server's stdin that calls {@code onEnd} once when the client closes it (end of file or a read error): the stdio server then stops. */
final class StdinWatch extends FilterInputStream {
    private final Runnable onEnd;
    private boolean ended;

    StdinWatch(InputStream in, Runnable onEnd) {
        super(in);
        this.onEnd = onEnd;
    }

    @Override
    public int read() throws IOException {
        return check(guard(super::read));
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return check(guard(() -> super.read(b, off, len)));
    }

    private interface Read {
        int read() throws IOException;
    }

    private int guard(Read read) throws IOException {
        try {
            return read.read();
        } catch (IOException e) {
            end();
            throw e;
        }
    }

    private int check(int n) {
        if (n < 0) {
            end();
        }
        return n;
    }

    private synchronized void end() {
        if (!ended) {
            ended = true;
            onEnd.run();
        }
    }
}
