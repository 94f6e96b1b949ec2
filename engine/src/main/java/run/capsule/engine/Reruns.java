package run.capsule.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.store.Journal;
import run.capsule.store.NewTask;
import run.capsule.store.TaskRow;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.TaskIds;

/**
 * A new task from a journaled one: the same module or source bytes, config (limits, retry policy, grants, the job's
 * approval) and sealed environment values, with new input when given, linked by {@code rerun_of}. Nothing is described
 * or approved again: the original's approval was the operator's, and it is copied unchanged.
 */
final class Reruns {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Journal journal;

    Reruns(Journal journal) {
        this.journal = journal;
    }

    CapsuleClient.SubmitResult rerun(String taskId, String inputJson, List<String> args, Map<String, String> labels) {
        TaskRow original = journal.tasks().find(taskId).orElseThrow(() -> new InvalidInputException("no task " + taskId));
        if (original.parentId() != null) {
            throw new RerunRefusedException("task " + taskId + " is a child task (of " + original.parentId() + "); rerun the task that started its job");
        }
        ObjectNode config;
        try {
            config = (ObjectNode) JSON.readTree(original.configJson());
        } catch (IOException | ClassCastException e) {
            throw new RerunRefusedException("task " + taskId + " has a config that cannot be read: " + e.getMessage());
        }
        String sealedEnv = null;
        if (!config.path("env").isEmpty() || config.path("program").path("approval").path("env").size() > 0) {
            sealedEnv = journal.tasks().secrets(taskId).orElseThrow(() -> new RerunRefusedException("task " + taskId
                    + " was granted environment variables whose values are no longer kept (they are forgotten when a task ends); submit it again"));
        }
        JsonNode program = config.get("program");
        if (inputJson != null) {
            if (!(program instanceof ObjectNode node)) {
                throw new InvalidInputException("args/kwargs as JSON values are for Python and JavaScript tasks; a module takes string args");
            }
            try {
                node.set("input", JSON.readTree(inputJson));
            } catch (IOException e) {
                throw new InvalidInputException("input is not valid JSON: " + e.getMessage());
            }
        }
        if (args != null) {
            ArrayNode array = config.putArray("args");
            args.forEach(array::add);
        }
        byte[] module = journal.modules().get(original.moduleSha256())
                .orElseThrow(() -> new RerunRefusedException("the module of task " + taskId + " is missing from the journal"));
        NewTask task = new NewTask(TaskIds.next(), original.name(), null, original.moduleSha256(), original.maxRetries(), config.toString(),
                sealedEnv, null, null).withLabels(labels, taskId);
        return new CapsuleClient.SubmitResult(journal.tasks().create(task, module), true);
    }
}
