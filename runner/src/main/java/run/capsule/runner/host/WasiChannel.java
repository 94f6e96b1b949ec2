package run.capsule.runner.host;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The host-call channel's door for guests that can only use WASI files: {@code path_open} of {@value #NAME}
 * in the preopened empty directory {@value #GUEST_DIR} hands out a channel fd that exists only here. Writes
 * to it collect a request; the first read after writes dispatches it and reads return the reply until end of
 * file; the next write starts a new request. Every method answers a WASI call on a channel fd with an errno,
 * or returns empty for WASI to serve (any other fd or path).
 *
 * <p>The runner holds what the guest wrote but has not sent, and replies it has not read to the end, for every open
 * channel fd: at most {@value #MAX_OPEN} fds at once ({@code EMFILE} beyond) and {@value #MAX_HELD_BYTES} bytes in
 * all, beyond which a write throws {@link Overflow}, which ends the attempt with its message.
 */
public final class WasiChannel {
    public static final String GUEST_DIR = "/capsule";
    public static final String NAME = "call";
    /** The WASI functions this class takes over for channel fds. */
    public static final List<String> FUNCTIONS = List.of("path_open", "fd_write", "fd_read", "fd_close", "fd_filestat_get", "fd_fdstat_get");
    /** Open channel fds at once. */
    public static final int MAX_OPEN = 64;
    /** Bytes of unsent requests and unread replies over all open channel fds: 16 MiB. */
    public static final long MAX_HELD_BYTES = 16L * 1024 * 1024;
    private static final int FIRST_FD = 0x4000_0000;
    private static final int ERRNO_SUCCESS = 0;
    private static final int ERRNO_FAULT = 21;
    private static final int ERRNO_FBIG = 22;
    private static final int ERRNO_MFILE = 33;
    private static final int ERRNO_NOENT = 44;
    private static final int FILETYPE_REGULAR_FILE = 4;
    private static final long RIGHTS = (1L << 1) | (1L << 6) | (1L << 3) | (1L << 21);

    private static final class Open {
        final ByteArrayOutputStream request = new ByteArrayOutputStream();
        byte[] reply;
        int replyOffset;

        long held() {
            return request.size() + (reply == null ? 0 : reply.length - replyOffset);
        }
    }

    /** The guest keeps more unread requests and replies than {@link #MAX_HELD_BYTES}; the message says so. */
    public static final class Overflow extends RuntimeException {
        Overflow(String message) {
            super(message, null, false, false);
        }
    }

    private final int dirFd;
    private final HostCallExchangeDispatch dispatcher;
    private final Map<Integer, Open> open = new HashMap<>();
    private int nextFd = FIRST_FD;

    /** What serves a complete request. */
    @FunctionalInterface
    public interface HostCallExchangeDispatch {
        byte[] dispatch(byte[] request);
    }

    public WasiChannel(int dirFd, HostCallExchangeDispatch dispatcher) {
        this.dirFd = dirFd;
        this.dispatcher = dispatcher;
    }

    public OptionalInt pathOpen(ByteBuffer memory, int fd, int pathPtr, int pathLen, int fdOut) {
        if (fd != dirFd) {
            return OptionalInt.empty();
        }
        if (!inBounds(memory, pathPtr, pathLen) || !inBounds(memory, fdOut, 4)) {
            return OptionalInt.of(ERRNO_FAULT);
        }
        byte[] path = new byte[pathLen];
        memory.get(pathPtr, path);
        String name = new String(path, StandardCharsets.UTF_8);
        if (!name.equals(NAME) && !name.equals("./" + NAME)) {
            return OptionalInt.of(ERRNO_NOENT);
        }
        if (open.size() >= MAX_OPEN) {
            return OptionalInt.of(ERRNO_MFILE);
        }
        int channelFd = nextFd++;
        open.put(channelFd, new Open());
        le(memory).putInt(fdOut, channelFd);
        return OptionalInt.of(ERRNO_SUCCESS);
    }

    public OptionalInt fdWrite(ByteBuffer memory, int fd, int iovs, int iovsLen, int nwritten) {
        Open channel = open.get(fd);
        if (channel == null) {
            return OptionalInt.empty();
        }
        if (!inBounds(memory, iovs, (long) iovsLen * 8) || !inBounds(memory, nwritten, 4)) {
            return OptionalInt.of(ERRNO_FAULT);
        }
        if (channel.reply != null) {
            channel.reply = null;
            channel.request.reset();
        }
        ByteBuffer m = le(memory);
        long total = 0;
        for (int i = 0; i < iovsLen; i++) {
            int buf = m.getInt(iovs + i * 8);
            int len = m.getInt(iovs + i * 8 + 4);
            if (!inBounds(memory, buf, len)) {
                return OptionalInt.of(ERRNO_FAULT);
            }
            if (channel.request.size() + (long) len > HostCallDispatcher.MAX_REQUEST_BYTES) {
                return OptionalInt.of(ERRNO_FBIG);
            }
            checkHeld(len);
            byte[] chunk = new byte[len];
            memory.get(buf, chunk);
            channel.request.write(chunk, 0, len);
            total += len;
        }
        m.putInt(nwritten, (int) total);
        return OptionalInt.of(ERRNO_SUCCESS);
    }

    public OptionalInt fdRead(ByteBuffer memory, int fd, int iovs, int iovsLen, int nread) {
        Open channel = open.get(fd);
        if (channel == null) {
            return OptionalInt.empty();
        }
        if (!inBounds(memory, iovs, (long) iovsLen * 8) || !inBounds(memory, nread, 4)) {
            return OptionalInt.of(ERRNO_FAULT);
        }
        if (channel.reply == null) {
            channel.reply = dispatcher.dispatch(channel.request.toByteArray());
            channel.replyOffset = 0;
            channel.request.reset();
        }
        ByteBuffer m = le(memory);
        int total = 0;
        for (int i = 0; i < iovsLen && channel.replyOffset < channel.reply.length; i++) {
            int buf = m.getInt(iovs + i * 8);
            int len = m.getInt(iovs + i * 8 + 4);
            if (!inBounds(memory, buf, len)) {
                return OptionalInt.of(ERRNO_FAULT);
            }
            int n = Math.min(len, channel.reply.length - channel.replyOffset);
            memory.put(buf, channel.reply, channel.replyOffset, n);
            channel.replyOffset += n;
            total += n;
        }
        m.putInt(nread, total);
        return OptionalInt.of(ERRNO_SUCCESS);
    }

    private void checkHeld(int adding) {
        long held = adding;
        for (Open o : open.values()) {
            held += o.held();
        }
        if (held > MAX_HELD_BYTES) {
            throw new Overflow("the host-call channel " + GUEST_DIR + "/" + NAME + " would hold " + held + " bytes of requests and replies"
                    + " not yet read back, over " + open.size() + " open files; the limit is " + MAX_HELD_BYTES
                    + " (16 MiB): read each request's reply, or close the file, before writing the next");
        }
    }

    public OptionalInt fdClose(int fd) {
        return open.remove(fd) == null ? OptionalInt.empty() : OptionalInt.of(ERRNO_SUCCESS);
    }

    /** A regular file of size 0, so that interpreters opening it unbuffered accept it. */
    public OptionalInt fdFilestatGet(ByteBuffer memory, int fd, int buf) {
        if (!open.containsKey(fd)) {
            return OptionalInt.empty();
        }
        if (!inBounds(memory, buf, 64)) {
            return OptionalInt.of(ERRNO_FAULT);
        }
        for (int i = 0; i < 64; i++) {
            memory.put(buf + i, (byte) 0);
        }
        memory.put(buf + 16, (byte) FILETYPE_REGULAR_FILE);
        le(memory).putLong(buf + 24, 1);
        return OptionalInt.of(ERRNO_SUCCESS);
    }

    public OptionalInt fdFdstatGet(ByteBuffer memory, int fd, int buf) {
        if (!open.containsKey(fd)) {
            return OptionalInt.empty();
        }
        if (!inBounds(memory, buf, 24)) {
            return OptionalInt.of(ERRNO_FAULT);
        }
        for (int i = 0; i < 24; i++) {
            memory.put(buf + i, (byte) 0);
        }
        memory.put(buf, (byte) FILETYPE_REGULAR_FILE);
        le(memory).putLong(buf + 8, RIGHTS);
        le(memory).putLong(buf + 16, 0);
        return OptionalInt.of(ERRNO_SUCCESS);
    }

    private static ByteBuffer le(ByteBuffer memory) {
        return memory.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static boolean inBounds(ByteBuffer memory, int ptr, long len) {
        return len >= 0 && Integer.toUnsignedLong(ptr) + len <= memory.capacity();
    }
}
