package run.capsule.service.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import run.capsule.service.http.Json;

import java.util.Map;

/** Tool results: the JSON both as text (for models that read text) and as structured content; errors as one line with isError. */
final class ToolResults {
    private ToolResults() {
    }

    @SuppressWarnings("unchecked")
    static CallToolResult json(JsonNode node) {
        String text;
        try {
            text = Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            text = node.toString();
        }
        return CallToolResult.builder().addContent(new TextContent(text)).structuredContent(Json.MAPPER.convertValue(node, Map.class))
                .isError(false).build();
    }

    static CallToolResult error(String message) {
        return CallToolResult.builder().addContent(new TextContent(message)).isError(true).build();
    }
}
