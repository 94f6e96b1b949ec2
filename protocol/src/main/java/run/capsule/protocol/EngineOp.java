package run.capsule.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * What a runner asks the engine in a {@link EngineCall} (docs/protocol.md, "Engine calls"), tagged by {@code op}.
 * The {@code task.*} ops are made on a guest's behalf; {@code step.*} only by the runner itself, never for a guest.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
        @JsonSubTypes.Type(value = EngineOp.StartChild.class, name = EngineOp.TASK_START),
        @JsonSubTypes.Type(value = EngineOp.CallChild.class, name = EngineOp.TASK_CALL),
        @JsonSubTypes.Type(value = EngineOp.WaitChildren.class, name = EngineOp.TASK_WAIT),
        @JsonSubTypes.Type(value = EngineOp.RecordSteps.class, name = EngineOp.STEP_RECORD),
        @JsonSubTypes.Type(value = EngineOp.FetchStep.class, name = EngineOp.STEP_FETCH),
})
public sealed interface EngineOp {
    String TASK_START = "task.start";
    String TASK_CALL = "task.call";
    String TASK_WAIT = "task.wait";
    String STEP_RECORD = "step.record";
    String STEP_FETCH = "step.fetch";

    /** The op's wire name, for messages. */
    @JsonIgnore
    String op();

    /** A child-task request: {@link StartChild} returns the child's id at once, {@link CallChild} also waits for its envelope. */
    sealed interface ChildRequest extends EngineOp {
        /** The task's name in the parent's program. */
        String task();

        /** A JSON array. */
        JsonNode args();

        /** A JSON object. */
        JsonNode kwargs();

        /** When the parent journals steps: the child step this creates, journaled with the child in one transaction. */
        ChildStep step();
    }

    /** {@code task.start}: reply {@code {"id": childId}}. */
    record StartChild(String task, JsonNode args, JsonNode kwargs, @JsonInclude(JsonInclude.Include.NON_NULL) ChildStep step)
            implements ChildRequest {
        @Override
        public String op() {
            return TASK_START;
        }
    }

    /** {@code task.call}: reply {@code {"id": childId, "envelope": {...}}} once the child ended. */
    record CallChild(String task, JsonNode args, JsonNode kwargs, @JsonInclude(JsonInclude.Include.NON_NULL) ChildStep step)
            implements ChildRequest {
        @Override
        public String op() {
            return TASK_CALL;
        }
    }

    /**
     * The {@code child} step {@code stepNo} a child request makes, and the live steps before it still to journal
     * ({@code pending}): the engine journals them with the child, so a replay never starts that child twice.
     */
    record ChildStep(int stepNo, List<StepRecord> pending) {
        public ChildStep {
            pending = pending == null ? List.of() : List.copyOf(pending);
        }
    }

    /**
     * {@code task.wait}: waits for the children {@code ids} (any one of them with {@code any}; with {@code timeoutMs},
     * at most that long). Reply {@code {"results": {id: envelope}}} with the children that ended.
     */
    record WaitChildren(List<String> ids, boolean any,
                        @JsonProperty("timeout_ms") @JsonInclude(JsonInclude.Include.NON_NULL) Long timeoutMs) implements EngineOp {
        public WaitChildren {
            ids = ids == null ? List.of() : List.copyOf(ids);
        }

        @Override
        public String op() {
            return TASK_WAIT;
        }
    }

    /** {@code step.record}: journals live steps before the guest sees the last one's outcome. Reply {@code {}}. */
    record RecordSteps(List<StepRecord> steps) implements EngineOp {
        public RecordSteps {
            steps = steps == null ? List.of() : List.copyOf(steps);
        }

        @Override
        public String op() {
            return STEP_RECORD;
        }
    }

    /** {@code step.fetch}: a journaled step held back from the {@code run} frame. Reply {@code {"step": StepRecord}}. */
    record FetchStep(int stepNo) implements EngineOp {
        @Override
        public String op() {
            return STEP_FETCH;
        }
    }
}
