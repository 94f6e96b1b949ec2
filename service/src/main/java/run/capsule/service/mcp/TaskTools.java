package run.capsule.service.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.Cancellation;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.LimitExceededException;
import run.capsule.engine.spec.TaskResult;
import run.capsule.service.api.TaskList;
import run.capsule.service.api.TaskRoutes;
import run.capsule.service.config.GrantBounds;
import run.capsule.service.http.ApiError;
import run.capsule.service.http.Json;
import run.capsule.store.AttemptOutputs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What each tool does (the tools' names and schemas are in {@link ToolCatalog}). */
final class TaskTools {
    static final int MAX_WAIT_SECONDS = 60;
    private static final Logger log = LoggerFactory.getLogger(TaskTools.class);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);
    private final CapsuleClient client;
    private final TaskRoutes tasks;
    private final TaskList list;
    private final Duration runWait;
    private final Runnable submitted;

    TaskTools(CapsuleClient client, TaskRoutes tasks, TaskList list, GrantBounds bounds, Runnable submitted) {
        this.submitted = submitted;
        this.client = client;
        this.tasks = tasks;
        this.list = list;
        this.runWait = bounds.maxTimeout().multipliedBy(bounds.maxRetries() + 1L).plusSeconds(30);
    }

    /** Runs a handler, turning a refused call into a tool error with one line that names the argument or bound. */
    static CallToolResult guarded(ToolBody body) {
        try {
            return body.call();
        } catch (ToolArgumentException e) {
            return ToolResults.error(e.getMessage());
        } catch (ApiError e) {
            return ToolResults.error(SubmitBodies.inToolTerms(e.getMessage()));
        } catch (InvalidInputException | LimitExceededException e) {
            return ToolResults.error(SubmitBodies.inToolTerms(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ToolResults.error("interrupted: the server is stopping");
        } catch (Exception e) {
            log.warn("MCP tool failed", e);
            return ToolResults.error("internal error (" + e.getClass().getSimpleName() + "); see the server's log");
        }
    }

    interface ToolBody {
        CallToolResult call() throws Exception;
    }

    CallToolResult run(McpSyncServerExchange exchange, CallToolRequest request, String language) {
        return guarded(() -> {
            ToolArguments a = new ToolArguments(request.arguments(), SubmitBodies.RUN_ARGUMENTS);
            String id = tasks.submit(SubmitBodies.run(a, language)).taskId();
            submitted.run();
            Optional<TaskResult> result = awaitWithProgress(exchange, request.progressToken(), id, runWait);
            if (result.isEmpty()) {
                return ToolResults.json(stillRunning(id, "call wait_task with this id"));
            }
            ObjectNode envelope = Json.MAPPER.valueToTree(result.get());
            envelope.put("stdout", lastStdout(id));
            return ToolResults.json(envelope);
        });
    }

    CallToolResult submit(McpSyncServerExchange exchange, CallToolRequest request) {
        return guarded(() -> {
            ToolArguments a = new ToolArguments(request.arguments(), SubmitBodies.SUBMIT_ARGUMENTS);
            CapsuleClient.SubmitResult submitted = tasks.submit(SubmitBodies.submit(a));
            this.submitted.run();
            return ToolResults.json(Json.object().put("id", submitted.taskId()).put("created", submitted.created())
                    .put("status", client.task(submitted.taskId()).map(t -> t.status().name()).orElse("PENDING")));
        });
    }

    CallToolResult get(McpSyncServerExchange exchange, CallToolRequest request) {
        return guarded(() -> ToolResults.json(tasks.detail(id(request))));
    }

    CallToolResult output(McpSyncServerExchange exchange, CallToolRequest request) {
        return guarded(() -> ToolResults.json(tasks.output(id(request))));
    }

    CallToolResult await(McpSyncServerExchange exchange, CallToolRequest request) {
        return guarded(() -> {
            ToolArguments a = new ToolArguments(request.arguments(), Set.of("id", "timeout"));
            String id = a.requiredText("id");
            int seconds = a.integer("timeout", 0, MAX_WAIT_SECONDS, 30);
            client.task(id).orElseThrow(() -> TaskRoutes.noTask(id));
            Optional<TaskResult> result = awaitWithProgress(exchange, request.progressToken(), id, Duration.ofSeconds(seconds));
            if (result.isEmpty()) {
                return ToolResults.json(stillRunning(id, "call wait_task again"));
            }
            ObjectNode envelope = Json.MAPPER.valueToTree(result.get());
            envelope.put("status", client.task(id).map(t -> t.status().name()).orElse(null));
            return ToolResults.json(envelope);
        });
    }

    CallToolResult cancel(McpSyncServerExchange exchange, CallToolRequest request) {
        return guarded(() -> {
            String id = id(request);
            client.task(id).orElseThrow(() -> TaskRoutes.noTask(id));
            Cancellation cancellation = client.cancelTree(id);
            ObjectNode node = Json.object().put("id", id).put("outcome", cancellation.outcome().name());
            ArrayNode children = node.putArray("children");
            cancellation.children().forEach(children::add);
            return ToolResults.json(node);
        });
    }

    CallToolResult list(McpSyncServerExchange exchange, CallToolRequest request) {
        return guarded(() -> {
            ToolArguments a = new ToolArguments(request.arguments(), ToolCatalog.LIST_ARGUMENTS);
            List<String> labels = new ArrayList<>();
            a.stringMap("labels").fields().forEachRemaining(e -> labels.add(e.getKey() + "=" + e.getValue().asText()));
            return ToolResults.json(list.page(name -> switch (name) {
                case "label" -> null;
                case "roots_only" -> a.bool("roots_only") ? "true" : null;
                case "limit" -> a.has("limit") ? Integer.toString(a.integer("limit", 1, 500, 50)) : null;
                default -> a.text(name);
            }, name -> name.equals("label") ? labels : List.of()));
        });
    }

    private static String id(CallToolRequest request) {
        return new ToolArguments(request.arguments(), Set.of("id")).requiredText("id");
    }

    private Optional<TaskResult> awaitWithProgress(McpSyncServerExchange exchange, Object progressToken, String id, Duration wait)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(wait);
        int polls = 0;
        while (true) {
            Duration left = Duration.between(Instant.now(), deadline);
            Duration slice = left.compareTo(PROGRESS_EVERY) < 0 ? left : PROGRESS_EVERY;
            Optional<TaskResult> result = slice.isNegative() || slice.isZero() ? client.result(id) : client.await(id, slice);
            if (result.isPresent() || !Instant.now().isBefore(deadline)) {
                return result;
            }
            polls++;
            if (progressToken != null) {
                String status = client.task(id).map(t -> t.status().name()).orElse("PENDING");
                exchange.progressNotification(new ProgressNotification(progressToken, polls, null, "task " + id + " is " + status));
            }
        }
    }

    private ObjectNode stillRunning(String id, String hint) {
        return Json.object().put("id", id).put("status", client.task(id).map(t -> t.status().name()).orElse("PENDING"))
                .put("message", "not finished yet: " + hint);
    }

    private String lastStdout(String id) {
        List<AttemptOutputs.Row> rows = client.output(id);
        return rows.isEmpty() ? "" : rows.get(rows.size() - 1).output().stdout();
    }

}
