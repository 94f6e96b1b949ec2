package run.capsule.store;

/**
 * The language column of a task: {@code python} or {@code javascript} for a source task, {@code wasm} for a module. Read
 * from the engine's config JSON, which starts its {@code program} object with the language (PreparedTask writes it so).
 */
final class TaskLanguage {
    private static final String PROGRAM = "\"program\":{\"language\":\"";

    private TaskLanguage() {
    }

    static String of(String configJson) {
        int at = configJson.indexOf(PROGRAM);
        if (at < 0) {
            return "wasm";
        }
        int start = at + PROGRAM.length();
        int end = configJson.indexOf('"', start);
        String language = end > start ? configJson.substring(start, end) : "";
        return language.matches("[a-z]{1,16}") ? language : "wasm";
    }
}
