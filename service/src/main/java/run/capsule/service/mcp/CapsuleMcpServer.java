package run.capsule.service.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import run.capsule.engine.CapsuleClient;
import run.capsule.service.api.TaskList;
import run.capsule.service.api.TaskRequests;
import run.capsule.service.api.TaskRoutes;
import run.capsule.service.config.GrantBounds;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Capsule's MCP server (tools and resources) on a transport: stdio for {@code capsule mcp}, streamable HTTP at /mcp of serve. */
public final class CapsuleMcpServer {
    static final String NAME = "capsule";
    static final String VERSION = "0.1.0";
    static final String INSTRUCTIONS = "Capsule runs Python and JavaScript in a WebAssembly sandbox, durably: run_python/run_javascript for "
            + "quick calls, submit_task + wait_task/get_task for jobs that outlive this session. A failed task is a normal result whose "
            + "error says why; an argument beyond the operator's bounds is a tool error naming the bound.";

    private CapsuleMcpServer() {
    }

    /** The JSON mapper the SDK uses: the project's Jackson 2, through the SDK's Jackson 2 module. */
    public static McpJsonMapper jsonMapper() {
        return new JacksonMcpJsonMapper(new ObjectMapper());
    }

    /** The parts behind the tools, on {@code client}; {@code scratch} holds a submission's files until it is journaled. */
    public record Parts(TaskTools tools, TaskResources resources) {
        /** {@code submitted}: called after each submit (wakes this node's worker, so a run does not wait for its next poll). */
        public static Parts of(CapsuleClient client, GrantBounds bounds, Path workingDir, Map<String, String> env, Path scratch,
                               Runnable submitted) {
            TaskRoutes tasks = new TaskRoutes(client, new TaskRequests(bounds, workingDir, env, scratch));
            return new Parts(new TaskTools(client, tasks, new TaskList(client), bounds, submitted), new TaskResources(tasks));
        }
    }

    public static McpSyncServer stdio(McpServerTransportProvider transport, Parts parts) {
        return McpServer.sync(transport).serverInfo(NAME, VERSION).instructions(INSTRUCTIONS).jsonMapper(jsonMapper())
                .validateToolInputs(false).requestTimeout(Duration.ofHours(2))
                .capabilities(ServerCapabilities.builder().tools(false).resources(false, false).build())
                .tools(ToolCatalog.tools(parts.tools())).resourceTemplates(parts.resources().templates()).build();
    }

    public static McpSyncServer http(McpStreamableServerTransportProvider transport, Parts parts) {
        return McpServer.sync(transport).serverInfo(NAME, VERSION).instructions(INSTRUCTIONS).jsonMapper(jsonMapper())
                .validateToolInputs(false).requestTimeout(Duration.ofHours(2))
                .capabilities(ServerCapabilities.builder().tools(false).resources(false, false).build())
                .tools(ToolCatalog.tools(parts.tools())).resourceTemplates(parts.resources().templates()).build();
    }
}
