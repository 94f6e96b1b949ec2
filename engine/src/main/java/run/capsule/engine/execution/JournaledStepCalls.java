package run.capsule.engine.execution;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.engine.pool.RunnerProcess;
import run.capsule.protocol.EngineOp;
import run.capsule.protocol.StepRecord;
import run.capsule.store.Journal;

/**
 * Serves {@code step.fetch} (docs/steps.md) for an attempt: one journaled step that was held back from the attempt's
 * {@code run} frame, read when the replay reaches it. Every other op goes to {@code next}.
 */
public final class JournaledStepCalls {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JournaledStepCalls() {
    }

    public static RunnerProcess.CallHandler around(RunnerProcess.CallHandler next, Journal journal, String taskId) {
        return request -> request instanceof EngineOp.FetchStep fetch ? fetch(journal, taskId, fetch.stepNo()) : next.handle(request);
    }

    private static JsonNode fetch(Journal journal, String taskId, int stepNo) {
        return journal.steps().step(taskId, stepNo)
                .map(s -> {
                    ObjectNode reply = JSON.createObjectNode();
                    reply.set("step", JSON.valueToTree(new StepRecord(s.stepNo(), s.kind(), s.target(), s.request(), s.outcome(), s.childId(),
                            s.durationMs())));
                    return (JsonNode) reply;
                })
                .orElseGet(() -> {
                    ObjectNode reply = JSON.createObjectNode();
                    reply.putObject("error").put("type", ErrorType.BAD_REQUEST.wireName()).put("message", "task " + taskId + " has no journaled step " + stepNo);
                    return reply;
                });
    }
}
