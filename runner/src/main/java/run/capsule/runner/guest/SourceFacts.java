package run.capsule.runner.guest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * What the JavaScript boot needs to know about a task's source before it loads it, served as the modules
 * {@code "capsule:source"} and {@code "capsule:source-text"} (docs/languages.md, A source without main): whether it declares tasks (it calls
 * {@code task(...)}; if not, it is a snippet whose top-level code is an implicit {@code main} and describing it must
 * not run it), whether it is a plain script (no {@code import}/{@code export} statement, so it can be evaluated as one
 * and give its completion value), and its text.
 */
record SourceFacts(boolean declaresTasks, boolean isScript, String text) {
    static final String MODULE = "capsule:source";
    static final String TEXT_MODULE = "capsule:source-text";
    private static final Pattern TASK_CALL = Pattern.compile("\\btask\\s*\\(");
    private static final Pattern MODULE_STATEMENT = Pattern.compile("^\\s*(import\\s*[\\w{*\"'$]|export\\s)", Pattern.MULTILINE);
    private static final ObjectMapper JSON = new ObjectMapper();

    static SourceFacts of(byte[] source) {
        String text = new String(source, StandardCharsets.UTF_8);
        return new SourceFacts(TASK_CALL.matcher(text).find(), !MODULE_STATEMENT.matcher(text).find(), text);
    }

    byte[] module() {
        return ("export const declaresTasks = " + declaresTasks + ";\nexport const isScript = " + isScript + ";\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The text, as a separate module so that a source that declares tasks never pays for it. */
    byte[] textModule() {
        try {
            return ("export default " + JSON.writeValueAsString(text) + ";\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
