package run.capsule.runner.host;

/**
 * How many bytes one attempt may write in total to its read-write grants, through WASI ({@code fd_write},
 * {@code fd_pwrite}) and {@code file.write} alike. Counts bytes written, not how much the files grow: rewriting a file
 * counts again. Remembers whether a write was refused, so that an attempt that fails afterwards ends as
 * {@code limit_exceeded}.
 */
public final class WriteQuota {
    public static final long DEFAULT_BYTES = 1L << 30;

    private final long limitBytes;
    private long writtenBytes;
    private volatile boolean exceeded;

    public WriteQuota(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    /** Whether {@code bytes} more fit; if not, the quota counts as exceeded. */
    public synchronized boolean fits(long bytes) {
        if (bytes > limitBytes - writtenBytes) {
            exceeded = true;
            return false;
        }
        return true;
    }

    public synchronized void add(long bytes) {
        writtenBytes += bytes;
    }

    public boolean exceeded() {
        return exceeded;
    }

    public synchronized long writtenBytes() {
        return writtenBytes;
    }

    public String describe() {
        return "write quota exceeded: the task may write " + size(limitBytes) + " in total to its read-write grants and had written "
                + size(writtenBytes()) + " when a write was refused";
    }

    private static String size(long bytes) {
        if (bytes >= 1024 && bytes % (1L << 30) == 0) {
            return bytes + " bytes (" + (bytes >> 30) + " GiB)";
        }
        if (bytes >= 1024 && bytes % (1L << 20) == 0) {
            return bytes + " bytes (" + (bytes >> 20) + " MiB)";
        }
        return bytes + " bytes";
    }
}
