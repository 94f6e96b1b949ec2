package run.capsule.runner;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.protocol.EngineCall;
import run.capsule.protocol.EngineOp;
import run.capsule.protocol.EngineReply;
import run.capsule.protocol.Message;
import run.capsule.runner.host.EngineLink;
import run.capsule.runner.host.HostCallException;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The runner's side of {@code call}/{@code reply} frames: the guest's thread sends a call and waits; the thread
 * reading the engine's frames hands each reply to its waiting call.
 */
final class EngineCalls implements EngineLink {
    private final Consumer<Message> send;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();

    EngineCalls(Consumer<Message> send) {
        this.send = send;
    }

    @Override
    public ObjectNode call(String attemptId, EngineOp request, long deadlineNanos) throws HostCallException {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        waiting.put(id, reply);
        try {
            send.accept(new EngineCall(attemptId, id, request));
            long wait = deadlineNanos - System.nanoTime();
            if (wait <= 0) {
                throw new HostCallException(ErrorType.TIMEOUT, "the attempt's deadline passed");
            }
            JsonNode node = reply.get(wait, TimeUnit.NANOSECONDS);
            if (node == null || !node.isObject()) {
                throw new HostCallException(ErrorType.INTERNAL_ERROR, "the engine sent no reply object");
            }
            return (ObjectNode) node;
        } catch (TimeoutException e) {
            throw new HostCallException(ErrorType.TIMEOUT, "the attempt's deadline passed while the engine served \"" + request.op() + "\"");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostCallException(ErrorType.TIMEOUT, "interrupted while waiting for the engine");
        } catch (ExecutionException e) {
            throw new HostCallException(ErrorType.INTERNAL_ERROR, "engine call failed: " + e.getCause().getMessage());
        } finally {
            waiting.remove(id);
        }
    }

    void answer(EngineReply reply) {
        CompletableFuture<JsonNode> call = waiting.get(reply.callId());
        if (call != null) {
            call.complete(reply.reply());
        }
    }
}
