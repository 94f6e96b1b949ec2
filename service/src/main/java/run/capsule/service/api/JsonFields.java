package run.capsule.service.api;

import com.fasterxml.jackson.databind.JsonNode;
import run.capsule.service.http.ApiError;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reading a request's JSON object field by field, each refusal naming the field (400 invalid_input). */
final class JsonFields {
    private final JsonNode node;
    private final String prefix;

    JsonFields(JsonNode node, String prefix, Set<String> known) {
        if (node == null || !node.isObject()) {
            throw ApiError.invalid((prefix.isEmpty() ? "the body" : prefix) + " must be a JSON object");
        }
        this.node = node;
        this.prefix = prefix.isEmpty() ? "" : prefix + ".";
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw ApiError.invalid("unknown field '" + this.prefix + name + "' (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    boolean has(String name) {
        return node.hasNonNull(name);
    }

    JsonNode raw(String name) {
        return node.get(name);
    }

    String text(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiError.invalid(prefix + name + " must be a string");
        }
        return v.asText();
    }

    /** A string, or a number given as its text (compute: "LOW" or 500000000). */
    String textOrNumber(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual() || v.isIntegralNumber()) {
            return v.asText();
        }
        throw ApiError.invalid(prefix + name + " must be a string or a whole number");
    }

    Integer integer(String name, int min, int max) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiError.invalid(prefix + name + " must be a whole number from " + min + " to " + max);
        }
        return v.asInt();
    }

    Double number(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiError.invalid(prefix + name + " must be a number");
        }
        return v.asDouble();
    }

    List<String> strings(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw ApiError.invalid(prefix + name + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw ApiError.invalid(prefix + name + " must be an array of strings");
            }
            out.add(item.asText());
        }
        return out;
    }

    Map<String, String> stringMap(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw ApiError.invalid(prefix + name + " must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        v.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw ApiError.invalid(prefix + name + "." + e.getKey() + " must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    JsonFields object(String name, Set<String> known) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return new JsonFields(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), prefix + name, known);
        }
        return new JsonFields(v, prefix + name, known);
    }
}
