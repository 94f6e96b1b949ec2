package run.capsule.engine;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What makes a task a Python or JavaScript task (docs/languages.md): the source's language and file name, the task
 * to call in it, its input as JSON ({@code {"args": [...], "kwargs": {...}}}) and the tasks the source declares.
 * Null in a {@link TaskSpec} of a WebAssembly module. {@code inputJson} null means: the spec's args as strings.
 */
public record TaskProgram(String language, String file, String task, String inputJson, Map<String, TaskOptions> tasks) {
    public static final String ENTRY = "main";

    public TaskProgram {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(task, "task");
        tasks = tasks == null ? Map.of() : Map.copyOf(tasks);
    }

    /** The language of a source file by its extension, or null for anything else (a WebAssembly module). */
    public static String languageOf(java.nio.file.Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".py")) {
            return "python";
        }
        if (name.endsWith(".js") || name.endsWith(".mjs")) {
            return "javascript";
        }
        return null;
    }

    public TaskProgram calling(String taskName, String input) {
        return new TaskProgram(language, file, taskName, input, tasks);
    }

    public TaskProgram withTasks(Map<String, TaskOptions> declared) {
        return new TaskProgram(language, file, task, inputJson, declared);
    }

    public List<String> taskNames() {
        return tasks.keySet().stream().sorted().toList();
    }
}
