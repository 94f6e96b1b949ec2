package run.capsule.runner.host;

import java.nio.ByteBuffer;

/**
 * The guest-memory side of {@code capsule.host_call(req_ptr, req_len, resp_ptr, resp_cap) -> i32}: reads the
 * request from guest memory, writes the reply back. Returns the reply's length when it fit into
 * {@code resp_cap} bytes; {@link #BAD_MEMORY} when a range lies outside guest memory; otherwise minus the
 * length the reply needs: the reply is kept, and a call with {@code req_len == 0} fetches it (without running
 * the request again). One per attempt; guests are single-threaded.
 */
public final class HostCallExchange {
    public static final int BAD_MEMORY = -1;

    private final HostCallDispatcher dispatcher;
    private byte[] pending;

    public HostCallExchange(HostCallDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    public int call(ByteBuffer memory, int reqPtr, int reqLen, int respPtr, int respCap) {
        if (!inBounds(memory, reqPtr, reqLen) || !inBounds(memory, respPtr, respCap)) {
            return BAD_MEMORY;
        }
        byte[] reply;
        if (reqLen == 0 && pending != null) {
            reply = pending;
        } else {
            long length = Integer.toUnsignedLong(reqLen);
            byte[] request;
            if (length > HostCallDispatcher.MAX_REQUEST_BYTES) {
                request = new byte[HostCallDispatcher.MAX_REQUEST_BYTES + 1];
            } else {
                request = new byte[(int) length];
                memory.get(reqPtr, request);
            }
            reply = dispatcher.dispatch(request);
        }
        if (reply.length > Integer.toUnsignedLong(respCap)) {
            pending = reply;
            return -reply.length;
        }
        pending = null;
        memory.put(respPtr, reply);
        return reply.length;
    }

    private static boolean inBounds(ByteBuffer memory, int ptr, int len) {
        return Integer.toUnsignedLong(ptr) + Integer.toUnsignedLong(len) <= memory.capacity();
    }
}
