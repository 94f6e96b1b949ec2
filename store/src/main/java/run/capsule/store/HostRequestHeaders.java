package run.capsule.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code host_requests.headers}: a request's (already redacted) headers as a JSON object. */
final class HostRequestHeaders {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() {
    };

    private HostRequestHeaders() {
    }

    static String toJson(Map<String, String> headers) {
        try {
            return headers == null ? null : JSON.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("headers cannot be written as JSON: " + e.getOriginalMessage());
        }
    }

    static Map<String, String> fromJson(String json) {
        try {
            return json == null ? null : JSON.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }
}
