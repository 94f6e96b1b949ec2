package run.capsule.engine.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Turns a WASI command's stdout into its result: the JSON value when the whole of stdout is one JSON value,
 * else the text without its trailing newline; empty stdout is a null result.
 */
final class GuestResult {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private GuestResult() {
    }

    static JsonNode fromStdout(String stdout) {
        if (stdout == null || stdout.isEmpty()) {
            return null;
        }
        if (!stdout.isBlank()) {
            try {
                JsonNode node = JSON.readTree(stdout);
                if (node != null && !node.isMissingNode()) {
                    return node;
                }
            } catch (JsonProcessingException ignored) {
                // not JSON: the text is the result
            }
        }
        String text = stdout.endsWith("\r\n") ? stdout.substring(0, stdout.length() - 2)
                : stdout.endsWith("\n") ? stdout.substring(0, stdout.length() - 1) : stdout;
        return TextNode.valueOf(text);
    }

    static String toJson(JsonNode node) {
        try {
            return node == null ? null : JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return json == null ? null : JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(json);
        }
    }
}
