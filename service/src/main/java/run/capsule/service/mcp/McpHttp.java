package run.capsule.service.mcp;

import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import jakarta.servlet.http.HttpServlet;
import run.capsule.engine.CapsuleClient;
import run.capsule.service.config.GrantBounds;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The MCP server at {@code /mcp} of {@code capsule serve} over the SDK's streamable HTTP transport. The SDK's transport
 * checks no header by default: {@link GuardedMcpFilter} in front of it applies the service's bearer token and Host/Origin
 * checks to every request. Limits are the service's bounds capped at the MCP defaults ({@link McpBounds#capped}).
 */
public final class McpHttp implements AutoCloseable {
    public static final String PATH = "/mcp";
    private final HttpServletStreamableServerTransportProvider transport;
    private final McpSyncServer server;

    public McpHttp(CapsuleClient client, GrantBounds serveBounds, Path workingDir, Map<String, String> env, Path scratch, int maxBodyBytes,
                   Runnable submitted) {
        this.transport = HttpServletStreamableServerTransportProvider.builder().jsonMapper(CapsuleMcpServer.jsonMapper())
                .mcpEndpoint(PATH).keepAliveInterval(Duration.ofSeconds(30)).maxRequestSize(maxBodyBytes).build();
        this.server = CapsuleMcpServer.http(transport, CapsuleMcpServer.Parts.of(client, McpBounds.capped(serveBounds), workingDir, env, scratch, submitted));
    }

    public HttpServlet servlet() {
        return transport;
    }

    @Override
    public void close() {
        server.close();
    }
}
