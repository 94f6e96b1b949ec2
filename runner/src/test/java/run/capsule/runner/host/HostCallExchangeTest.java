package run.capsule.runner.host;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class HostCallExchangeTest {
    private final ByteBuffer memory = ByteBuffer.allocate(65536);
    private final HostCallExchange exchange = new HostCallExchange(new HostCallDispatcher(HostCallDispatcher.basicOperations()));

    private int put(int at, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        memory.put(at, bytes);
        return bytes.length;
    }

    private String read(int at, int length) {
        byte[] bytes = new byte[length];
        memory.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void aReplyThatFitsIsWrittenAndItsLengthReturned() {
        int len = put(0, "{\"op\":\"echo\",\"value\":[1,\"two\"]}");
        int n = exchange.call(memory, 0, len, 1000, 1000);
        assertThat(read(1000, n)).isEqualTo("{\"value\":[1,\"two\"]}");
    }

    @Test
    void aReplyTooLargeIsKeptUntilFetched() {
        int len = put(0, "{\"op\":\"echo\",\"value\":\"" + "x".repeat(500) + "\"}");
        int needed = exchange.call(memory, 0, len, 1000, 10);
        assertThat(needed).isEqualTo(-(500 + 12));
        int n = exchange.call(memory, 0, 0, 2000, -needed);
        assertThat(n).isEqualTo(-needed);
        assertThat(read(2000, n)).startsWith("{\"value\":\"xxx").endsWith("\"}");
        assertThat(exchange.call(memory, 0, 0, 2000, 4000)).isPositive();
        assertThat(read(2000, exchange.call(memory, 0, 0, 2000, 4000))).contains("bad_request");
    }

    @Test
    void rangesOutsideMemoryAreRefused() {
        assertThat(exchange.call(memory, 65530, 10, 0, 100)).isEqualTo(HostCallExchange.BAD_MEMORY);
        assertThat(exchange.call(memory, 0, 10, 65500, 100)).isEqualTo(HostCallExchange.BAD_MEMORY);
        assertThat(exchange.call(memory, -1, 10, 0, 100)).isEqualTo(HostCallExchange.BAD_MEMORY);
        assertThat(exchange.call(memory, 0, 1, 0, -1)).isEqualTo(HostCallExchange.BAD_MEMORY);
    }

    @Test
    void badRequestsGetErrorReplies() {
        int len = put(0, "{not json");
        assertThat(read(1000, exchange.call(memory, 0, len, 1000, 1000)))
                .startsWith("{\"error\":{\"type\":\"bad_request\",\"message\":\"request is not valid JSON");
        len = put(0, "[1]");
        assertThat(read(1000, exchange.call(memory, 0, len, 1000, 1000)))
                .isEqualTo("{\"error\":{\"type\":\"bad_request\",\"message\":\"request must be a JSON object\"}}");
        len = put(0, "{\"op\":\"launch\"}");
        assertThat(read(1000, exchange.call(memory, 0, len, 1000, 1000)))
                .isEqualTo("{\"error\":{\"type\":\"unknown_op\",\"message\":\"unknown op \\\"launch\\\"; known: echo\"}}");
    }

    @Test
    void anOperationThatThrowsBecomesAnInternalErrorReply() {
        HostCallDispatcher dispatcher = new HostCallDispatcher(java.util.Map.of("boom", request -> {
            throw new IllegalStateException("exploded\nsecond line");
        }));
        String reply = new String(dispatcher.dispatch("{\"op\":\"boom\"}".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        assertThat(reply).isEqualTo("{\"error\":{\"type\":\"internal_error\",\"message\":\"host call failed: IllegalStateException: exploded\"}}");
    }
}
