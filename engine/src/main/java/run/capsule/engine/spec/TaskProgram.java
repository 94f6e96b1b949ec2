package run.capsule.engine.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.protocol.Durability;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What makes a task a Python or JavaScript task (docs/languages.md): the source's language and file name, the task
 * to call in it, its input as JSON ({@code {"args": [...], "kwargs": {...}}}), the tasks the source declares and the
 * local modules it imports ({@code files}: paths relative to the source's directory, journaled with it), and the
 * format of its journaled steps, fixed when the task is created ({@code Durability.CURRENT_FORMAT} for a new task).
 * {@code approval} is what the operator approved for the whole job (null for a task journaled before approvals existed)
 * and {@code depth} how far below the job's first task this one is.
 * Null in a {@link TaskSpec} of a WebAssembly module. {@code inputJson} null means: the spec's args as strings.
 */
public record TaskProgram(String language, String file, String task, String inputJson, Map<String, TaskOptions> tasks, List<String> files,
                          int stepFormat, Approval approval, int depth) {
    public static final String ENTRY = "main";

    public TaskProgram {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(task, "task");
        tasks = tasks == null ? Map.of() : Map.copyOf(tasks);
        files = files == null ? List.of() : List.copyOf(files);
    }

    public TaskProgram(String language, String file, String task, String inputJson, Map<String, TaskOptions> tasks, List<String> files,
                       int stepFormat) {
        this(language, file, task, inputJson, tasks, files, stepFormat, null, 0);
    }

    /** A new task's program, in the current step format. */
    public TaskProgram(String language, String file, String task, String inputJson, Map<String, TaskOptions> tasks, List<String> files) {
        this(language, file, task, inputJson, tasks, files, Durability.CURRENT_FORMAT);
    }

    /** A program whose source imports no local module. */
    public TaskProgram(String language, String file, String task, String inputJson, Map<String, TaskOptions> tasks) {
        this(language, file, task, inputJson, tasks, List.of());
    }

    /** The language of a source file by its extension, or null for anything else (a WebAssembly module). */
    public static String languageOf(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".py")) {
            return "python";
        }
        if (name.endsWith(".js") || name.endsWith(".mjs") || name.endsWith(".ts") && !name.endsWith(".d.ts") || name.endsWith(".mts")) {
            return "javascript";
        }
        return null;
    }

    /** A child task of this one: the same source and approval, one level deeper. */
    public TaskProgram calling(String taskName, String input) {
        return new TaskProgram(language, file, taskName, input, tasks, files, Durability.CURRENT_FORMAT,
                approval, depth + 1);
    }

    public TaskProgram withTasks(Map<String, TaskOptions> declared) {
        return new TaskProgram(language, file, task, inputJson, declared, files, stepFormat, approval, depth);
    }

    /** The job's first task, under what the operator approved for the whole job. */
    public TaskProgram withApproval(Approval jobApproval) {
        return new TaskProgram(language, file, task, inputJson, tasks, files, stepFormat, jobApproval, depth);
    }

    public List<String> taskNames() {
        return tasks.keySet().stream().sorted().toList();
    }

    /** The input JSON of a task called with command-line arguments: {@code {"args": [...], "kwargs": {}}}. */
    public static String argsInput(List<String> args) {
        ObjectNode input = new ObjectMapper().createObjectNode();
        ArrayNode array = input.putArray("args");
        args.forEach(array::add);
        input.putObject("kwargs");
        return input.toString();
    }
}
