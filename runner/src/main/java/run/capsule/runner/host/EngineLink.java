package run.capsule.runner.host;

import run.capsule.protocol.EngineOp;
import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The runner's line to the engine for host calls it cannot serve itself ({@code task.*}) and for the steps it
 * journals ({@code step.record}, sent by the runner itself, never on a guest's behalf): sends the request, blocks
 * until the engine replies or the attempt's deadline passes.
 */
@FunctionalInterface
public interface EngineLink {
    /**
     * Op names (or prefixes ending in '.') of guests' requests that the runner forwards to the engine. Not
     * {@code step.*}: a guest must not write its own journal; {@code sleep} is served by the runner.
     */
    List<String> FORWARDED = List.of("task.");

    ObjectNode call(String attemptId, EngineOp request, long deadlineNanos) throws HostCallException;

    /** No engine: every forwarded op fails (for tests and tools that run guests without an engine). */
    EngineLink NONE = (attemptId, request, deadlineNanos) -> {
        throw new HostCallException(ErrorType.UNSUPPORTED, "op \"" + request.op() + "\" needs an engine; this runner has none");
    };

    static boolean forwards(String op) {
        return FORWARDED.stream().anyMatch(f -> f.endsWith(".") ? op.startsWith(f) : op.equals(f));
    }
}
