package run.capsule.service.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.engine.CapsuleClient;
import run.capsule.service.http.ApiError;
import run.capsule.service.http.Exchange;
import run.capsule.service.http.Json;
import run.capsule.store.TaskFilter;
import run.capsule.store.TaskListing;
import run.capsule.store.TaskStatus;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** {@code GET /api/v1/tasks}: the query's filters and cursor turned into a {@link TaskFilter}, the page as JSON. */
public final class TaskList {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    private static final Set<String> PARAMETERS = Set.of("status", "name", "language", "label", "parent", "roots_only", "since", "until",
            "q", "limit", "cursor");
    private final CapsuleClient client;

    public TaskList(CapsuleClient client) {
        this.client = client;
    }

    public void list(Exchange exchange) throws Exception {
        for (String name : exchange.request().getParameterMap().keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw ApiError.invalid("unknown query parameter '" + name + "' (known: " + String.join(", ", PARAMETERS.stream().sorted().toList()) + ")");
            }
        }
        exchange.json(200, page(exchange::query, exchange::queryAll));
    }

    /** A page of tasks for the filters of docs/api.md: {@code query} gives one parameter's value or null, {@code queryAll} a repeated one's. */
    public ObjectNode page(Function<String, String> query, Function<String, List<String>> queryAll) {
        TaskListing.Page page = client.listing().page(filter(query, queryAll));
        ObjectNode body = Json.object();
        body.set("tasks", TaskJson.rows(page.tasks()));
        body.put("next_cursor", page.next() == null ? null : cursor(page.next()));
        return body;
    }

    static TaskFilter filter(Function<String, String> query, Function<String, List<String>> queryAll) {
        String status = query.apply("status");
        if (status != null) {
            status = status.toUpperCase(java.util.Locale.ROOT);
            if (!status.equals(TaskFilter.RETRYING)) {
                try {
                    TaskStatus.valueOf(status);
                } catch (IllegalArgumentException e) {
                    throw ApiError.invalid("status: unknown status '" + query.apply("status")
                            + "' (PENDING, RUNNING, RETRY_WAIT, RETRYING, SUCCEEDED, FAILED, CANCELLED)");
                }
            }
        }
        String language = query.apply("language");
        if (language != null && !Set.of("python", "javascript", "wasm").contains(language)) {
            throw ApiError.invalid("language: unknown language '" + language + "' (python, javascript or wasm)");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String label : queryAll.apply("label")) {
            int eq = label.indexOf('=');
            String name = eq < 0 ? label : label.substring(0, eq);
            if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw ApiError.invalid("label: '" + label + "' is not KEY or KEY=VALUE");
            }
            labels.put(name, eq < 0 ? null : label.substring(eq + 1));
        }
        String rootsOnly = query.apply("roots_only");
        if (rootsOnly != null && !rootsOnly.equals("true") && !rootsOnly.equals("false")) {
            throw ApiError.invalid("roots_only: true or false");
        }
        int limit = DEFAULT_LIMIT;
        if (query.apply("limit") != null) {
            try {
                limit = Integer.parseInt(query.apply("limit"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw ApiError.invalid("limit: a whole number from 1 to " + MAX_LIMIT);
            }
        }
        String q = query.apply("q");
        if (q != null && (q.isEmpty() || q.length() > 200)) {
            throw ApiError.invalid("q: 1-200 characters");
        }
        return new TaskFilter(status, query.apply("name"), language, labels, query.apply("parent"), "true".equals(rootsOnly),
                time("since", query.apply("since")), time("until", query.apply("until")), q, limit,
                query.apply("cursor") == null ? null : parseCursor(query.apply("cursor")));
    }

    private static OffsetDateTime time(String field, String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiError.invalid(field + ": '" + text + "' is not an ISO-8601 time such as 2026-12-01T09:00:00Z");
        }
    }

    static String cursor(TaskFilter.PageCursor cursor) {
        String text = Json.time(cursor.createdAt()) + "|" + cursor.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static TaskFilter.PageCursor parseCursor(String text) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            int bar = decoded.indexOf('|');
            return new TaskFilter.PageCursor(OffsetDateTime.parse(decoded.substring(0, bar)), decoded.substring(bar + 1));
        } catch (IllegalArgumentException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw ApiError.invalid("cursor: not a next_cursor of this API");
        }
    }
}
