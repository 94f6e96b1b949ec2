package run.capsule.service.http;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One route: a method, a path pattern whose {@code {name}} segments match one path segment each (a last segment
 * {@code {name...}} matches the rest of the path), who may use it, and its handler.
 */
public record Route(String method, String pattern, Access access, Handler handler) {
    /** Answers one exchange; throws {@link ApiError} to refuse it. */
    @FunctionalInterface
    public interface Handler {
        void handle(Exchange exchange) throws Exception;
    }

    /** The path parameters when {@code path} matches this route's pattern. */
    public Optional<Map<String, String>> match(String path) {
        List<String> want = segments(pattern);
        List<String> got = segments(path);
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < want.size(); i++) {
            String w = want.get(i);
            if (w.startsWith("{") && w.endsWith("...}")) {
                params.put(w.substring(1, w.length() - 4), String.join("/", got.subList(Math.min(i, got.size()), got.size())));
                return Optional.of(params);
            }
            if (i >= got.size()) {
                return Optional.empty();
            }
            if (w.startsWith("{") && w.endsWith("}")) {
                if (got.get(i).isEmpty()) {
                    return Optional.empty();
                }
                params.put(w.substring(1, w.length() - 1), got.get(i));
            } else if (!w.equals(got.get(i))) {
                return Optional.empty();
            }
        }
        return want.size() == got.size() ? Optional.of(params) : Optional.empty();
    }

    private static List<String> segments(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("/", -1));
    }
}
