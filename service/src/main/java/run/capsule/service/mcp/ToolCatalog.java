package run.capsule.service.mcp;

import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/** The tools' names, descriptions, input schemas and hints (docs/agents.md). */
final class ToolCatalog {
    static final Set<String> LIST_ARGUMENTS = Set.of("status", "name", "language", "labels", "parent", "roots_only", "since", "until", "q",
            "limit", "cursor");

    private ToolCatalog() {
    }

    static List<SyncToolSpecification> tools(TaskTools tools) {
        return List.of(
                tool("run_python", """
                        Run Python code in Capsule's WebAssembly sandbox and wait for the result. `code` is either a source with a \
                        task `main` (`from capsule import task` then `@task` on `def main(...)`, called with `args`) or a bare snippet: then the value of its `result` variable, else its last \
                        expression, is the result. Returns the Capsule envelope {success, result, error: {error_type, message}, \
                        execution} plus `stdout`. A failing task is a normal result whose error says why (task_error, timeout, \
                        fuel_exhausted, ...): read it and fix the code. The run is journaled and retried per policy; no network \
                        unless `allowed_hosts` (within the operator's bounds).""",
                        runSchema(), false, (e, r) -> tools.run(e, r, "python")),
                tool("run_javascript", """
                        Run JavaScript (QuickJS, ES2023) in Capsule's WebAssembly sandbox and wait for the result. `code` is either a \
                        source with a task `main` (`import { task } from "capsule"; export const main = task({name: "main"}, \
                        (...args) => ...)`, called with `args`) or a bare snippet: then its `result` variable, else \
                        its last expression, is the result. Returns the Capsule envelope {success, result, error, execution} plus \
                        `stdout`. A failing task is a normal result whose error says why: read it and fix the code.""",
                        runSchema(), false, (e, r) -> tools.run(e, r, "javascript")),
                tool("submit_task", """
                        Submit a durable Capsule job and return its id at once, without waiting. It runs even if this client goes \
                        away and survives server restarts; check on it later with get_task, wait_task or task_output. Give an \
                        `idempotency_key` to make resubmitting safe (the same key returns the same task).""",
                        submitSchema(), false, tools::submit),
                tool("get_task", "A task's status, attempts, steps, children and resource usage (limit and used for fuel, ram, time, retries).",
                        idSchema(), true, tools::get),
                tool("wait_task", """
                        Wait up to `timeout` seconds (at most 60, default 30) for a task to finish: then its envelope {success, \
                        result, error, execution, status}; if it is still running, {id, status} (call wait_task again).""",
                        waitSchema(), true, tools::await),
                tool("cancel_task", "Cancel a task and its unfinished children. Returns the outcome (CANCELLED, ALREADY_FINISHED, ...).",
                        idSchema(), false, tools::cancel),
                tool("list_tasks", "List tasks, newest first, with the filters of Capsule's REST API; `cursor` is the previous page's next_cursor.",
                        listSchema(), true, tools::list),
                tool("task_output", "The stdout and stderr of each attempt of a task.", idSchema(), true, tools::output));
    }

    private static SyncToolSpecification tool(String name, String description, Map<String, Object> schema, boolean readOnly,
                                              BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
        Tool tool = Tool.builder().name(name).description(description).inputSchema(schema)
                .annotations(ToolAnnotations.builder().readOnlyHint(readOnly).destructiveHint(name.equals("cancel_task"))
                        .openWorldHint(false).build())
                .build();
        return SyncToolSpecification.builder().tool(tool).callHandler(handler).build();
    }

    private static Map<String, Object> object(Map<String, Object> properties, List<String> required) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", properties);
        schema.put("required", required);
        schema.put("additionalProperties", false);
        return schema;
    }

    private static Map<String, Object> runProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("code", Map.of("type", "string", "description", "The source: with a main task, or a bare snippet"));
        p.put("args", Map.of("type", List.of("array", "object"), "description", "main's arguments: an array (positional) or an object (keyword)"));
        p.put("timeout", Map.of("type", List.of("string", "integer"), "description", "Wall-clock limit, e.g. \"30s\" or 30 (seconds); default 60s, at most the operator's max_timeout"));
        p.put("compute", Map.of("type", List.of("string", "integer"), "description", "LOW, MEDIUM (default) or HIGH, or fuel units; at most the operator's max_compute"));
        p.put("ram", Map.of("type", "string", "description", "Memory limit, e.g. \"128MB\"; default 256MB, at most the operator's max_ram"));
        p.put("allowed_hosts", Map.of("type", "array", "items", Map.of("type", "string"),
                "description", "Hosts the code may reach over HTTP (e.g. api.example.com or *.example.com:443); only those the operator grants"));
        return p;
    }

    private static Map<String, Object> runSchema() {
        return object(runProperties(), List.of("code"));
    }

    private static Map<String, Object> submitSchema() {
        Map<String, Object> p = runProperties();
        p.put("language", Map.of("type", "string", "enum", List.of("python", "javascript")));
        p.put("name", Map.of("type", "string", "description", "A name for the task (shown in lists)"));
        p.put("idempotency_key", Map.of("type", "string", "description", "1-200 characters; the same key returns the same task"));
        p.put("labels", Map.of("type", "object", "additionalProperties", Map.of("type", "string"), "description", "Labels to filter by later"));
        p.put("max_retries", Map.of("type", "integer", "minimum", 0, "description", "Retries after a failed attempt (default 0)"));
        return object(p, List.of("language", "code"));
    }

    private static Map<String, Object> idSchema() {
        return object(Map.of("id", Map.of("type", "string", "description", "The task id")), List.of("id"));
    }

    private static Map<String, Object> waitSchema() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", Map.of("type", "string", "description", "The task id"));
        p.put("timeout", Map.of("type", "integer", "minimum", 0, "maximum", TaskTools.MAX_WAIT_SECONDS, "description", "Seconds to wait (default 30)"));
        return object(p, List.of("id"));
    }

    private static Map<String, Object> listSchema() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("status", Map.of("type", "string", "enum", List.of("PENDING", "RUNNING", "RETRY_WAIT", "RETRYING", "SUCCEEDED", "FAILED", "CANCELLED")));
        p.put("name", Map.of("type", "string"));
        p.put("language", Map.of("type", "string", "enum", List.of("python", "javascript", "wasm")));
        p.put("labels", Map.of("type", "object", "additionalProperties", Map.of("type", "string"), "description", "Labels that must match"));
        p.put("parent", Map.of("type", "string", "description", "Only the children of this task"));
        p.put("roots_only", Map.of("type", "boolean"));
        p.put("since", Map.of("type", "string", "description", "ISO-8601 time"));
        p.put("until", Map.of("type", "string", "description", "ISO-8601 time"));
        p.put("q", Map.of("type", "string", "description", "Text to search for in ids, names and errors"));
        p.put("limit", Map.of("type", "integer", "minimum", 1, "maximum", 500));
        p.put("cursor", Map.of("type", "string"));
        return object(p, List.of());
    }
}
