package run.capsule.service.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.service.http.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** A tool call's arguments, checked by name and type; every refusal is a {@link ToolArgumentException} naming the argument. */
final class ToolArguments {
    private final ObjectNode values;

    ToolArguments(Map<String, Object> arguments, Set<String> known) {
        this.values = arguments == null ? Json.object() : Json.MAPPER.valueToTree(arguments);
        List<String> unknown = new ArrayList<>();
        values.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                unknown.add(name);
            }
        });
        if (!unknown.isEmpty()) {
            throw new ToolArgumentException(unknown.get(0) + ": unknown argument (known: " + String.join(", ", new TreeSet<>(known)) + ")");
        }
    }

    boolean has(String name) {
        return values.hasNonNull(name);
    }

    JsonNode raw(String name) {
        return values.get(name);
    }

    String text(String name) {
        JsonNode node = values.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new ToolArgumentException(name + ": must be a string");
        }
        return node.asText();
    }

    String requiredText(String name) {
        String text = text(name);
        if (text == null || text.isBlank()) {
            throw new ToolArgumentException(name + ": required");
        }
        return text;
    }

    /** A string, or a number given as a string (compute: 2000000 or "MEDIUM"; timeout: 30 meaning seconds, or "30s"). */
    String textOrNumber(String name, String numberSuffix) {
        JsonNode node = values.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber()) {
            return node.asText() + numberSuffix;
        }
        return text(name);
    }

    int integer(String name, int min, int max, int otherwise) {
        JsonNode node = values.get(name);
        if (node == null || node.isNull()) {
            return otherwise;
        }
        if (!node.isIntegralNumber() || node.asLong() < min || node.asLong() > max) {
            throw new ToolArgumentException(name + ": a whole number from " + min + " to " + max);
        }
        return node.asInt();
    }

    boolean bool(String name) {
        JsonNode node = values.get(name);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw new ToolArgumentException(name + ": true or false");
        }
        return node.asBoolean();
    }

    ArrayNode strings(String name) {
        JsonNode node = values.get(name);
        ArrayNode array = Json.MAPPER.createArrayNode();
        if (node == null || node.isNull()) {
            return array;
        }
        if (!node.isArray()) {
            throw new ToolArgumentException(name + ": must be an array of strings");
        }
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new ToolArgumentException(name + ": must be an array of strings");
            }
            array.add(item.asText());
        }
        return array;
    }

    ObjectNode stringMap(String name) {
        JsonNode node = values.get(name);
        if (node == null || node.isNull()) {
            return Json.object();
        }
        if (!node.isObject()) {
            throw new ToolArgumentException(name + ": must be an object of strings");
        }
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new ToolArgumentException(name + "." + e.getKey() + ": must be a string");
            }
        });
        return (ObjectNode) node;
    }
}
