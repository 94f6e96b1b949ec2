package run.capsule.service.mcp;

import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.ResourceTemplate;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import io.modelcontextprotocol.spec.McpError;
import run.capsule.service.api.TaskRoutes;
import run.capsule.service.http.ApiError;

import java.util.List;

/** {@code capsule://tasks/{id}} (the task as JSON, as get_task) and {@code capsule://tasks/{id}/output} (as task_output). */
final class TaskResources {
    static final String PREFIX = "capsule://tasks/";
    private final TaskRoutes tasks;

    TaskResources(TaskRoutes tasks) {
        this.tasks = tasks;
    }

    List<SyncResourceTemplateSpecification> templates() {
        return List.of(
                new SyncResourceTemplateSpecification(new ResourceTemplate(PREFIX + "{id}", "task", "A Capsule task",
                        "The task as JSON: status, attempts, steps, children, usage, result", "application/json", null),
                        (exchange, request) -> read(request.uri())),
                new SyncResourceTemplateSpecification(new ResourceTemplate(PREFIX + "{id}/output", "task-output", "A Capsule task's output",
                        "The stdout and stderr of each attempt", "application/json", null),
                        (exchange, request) -> read(request.uri())));
    }

    ReadResourceResult read(String uri) {
        if (uri == null || !uri.startsWith(PREFIX) || uri.length() == PREFIX.length()) {
            throw McpError.builder(-32002).message("resource not found: " + uri).build();
        }
        String rest = uri.substring(PREFIX.length());
        boolean output = rest.endsWith("/output");
        String id = output ? rest.substring(0, rest.length() - "/output".length()) : rest;
        try {
            var node = output ? tasks.output(id) : tasks.detail(id);
            return new ReadResourceResult(List.of(new TextResourceContents(uri, "application/json", node.toString())));
        } catch (ApiError e) {
            throw McpError.builder(-32002).message(e.getMessage()).build();
        }
    }
}
