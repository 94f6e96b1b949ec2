package run.capsule.protocol;

/**
 * A Python or JavaScript task run by an interpreter module instead of a module's own {@code _start}
 * (docs/languages.md). {@code sourceDir} is a host directory holding the task's source file {@code file}; the
 * runner grants it read-only to the guest. {@code mode}: {@code describe} loads the source and reports its tasks
 * and their options; {@code run} calls task {@code task} with {@code input}, a JSON object
 * {@code {"args": [...], "kwargs": {...}}}.
 */
public record Program(String language, String sourceDir, String file, String mode, String task, String input) {
    public static final String PYTHON = "python";
    public static final String JAVASCRIPT = "javascript";
    public static final String DESCRIBE = "describe";
    public static final String RUN = "run";

    public boolean describes() {
        return DESCRIBE.equals(mode);
    }
}
