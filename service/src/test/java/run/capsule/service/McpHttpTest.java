package run.capsule.service;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceRequest;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.service.mcp.CapsuleMcpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code /mcp} of an in-process {@code capsule serve} with tokens, driven by the MCP Java SDK's streamable HTTP client:
 * the tools and a resource with the token; a missing, wrong or read-only token, a foreign Host and a foreign Origin refused
 * before the MCP transport; the MCP limit ceilings applied under serve's higher ones.
 */
class McpHttpTest {
    static final String ADMIN = "mcp-admin-token-0123456789abcdef";
    static final String READER = "mcp-read-token-0123456789abcdef";
    static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
            + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";

    @RegisterExtension
    static final ServiceNode node = ServiceNode.withRunners(1, s -> s.withTokenFile(tokenFile()));

    private static Path tokenFile() {
        try {
            Path file = Files.createTempFile("capsule-tokens", ".txt");
            Files.writeString(file, ADMIN + "\n" + READER + " read\n");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static McpSyncClient client(String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        var transport = HttpClientStreamableHttpTransport.builder(node.service().url()).endpoint("/mcp")
                .jsonMapper(CapsuleMcpServer.jsonMapper()).requestBuilder(request).build();
        return McpClient.sync(transport).requestTimeout(Duration.ofSeconds(90)).initializationTimeout(Duration.ofSeconds(20)).build();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> structured(CallToolResult result) {
        return (Map<String, Object>) result.structuredContent();
    }

    @Test
    void withTheTokenTheToolsRunAndTheResourcesRead() {
        try (McpSyncClient client = client(ADMIN)) {
            assertThat(client.initialize().serverInfo().name()).isEqualTo("capsule");
            assertThat(client.listTools().tools()).hasSize(8);
            CallToolResult run = client.callTool(new CallToolRequest("run_python", Map.of("code", "print('via http')\nresult = 40 + 2\n")));
            assertThat(structured(run)).as(((TextContent) run.content().get(0)).text()).containsEntry("success", true).containsEntry("result", 42);
            assertThat((String) structured(run).get("stdout")).contains("via http");
            CallToolResult js = client.callTool(new CallToolRequest("run_javascript", Map.of("code", "const x = 5; x * 2")));
            assertThat(structured(js)).containsEntry("result", 10);
            String id = (String) structured(client.callTool(new CallToolRequest("submit_task",
                    Map.of("language", "javascript", "code", "console.log('js out'); let result = 'ok';")))).get("id");
            assertThat(structured(client.callTool(new CallToolRequest("wait_task", Map.of("id", id, "timeout", 60)))))
                    .containsEntry("result", "ok");
            var resource = client.readResource(new ReadResourceRequest("capsule://tasks/" + id + "/output"));
            assertThat(((TextResourceContents) resource.contents().get(0)).text()).contains("js out");
            CallToolResult failing = client.callTool(new CallToolRequest("run_javascript", Map.of("code", "throw new Error('nope 9')")));
            assertThat(failing.isError()).isFalse();
            assertThat(structured(failing)).containsEntry("success", false);
            assertThat(structured(failing).get("error").toString()).contains("task_error").contains("nope 9");
        }
    }

    @Test
    void theMcpCeilingsApplyUnderServesHigherOnes() {
        try (McpSyncClient client = client(ADMIN)) {
            client.initialize();
            CallToolResult ram = client.callTool(new CallToolRequest("run_python", Map.of("code", "1", "ram", "512MB")));
            assertThat(ram.isError()).isTrue();
            assertThat(((TextContent) ram.content().get(0)).text()).isEqualTo("ram: 512MB is above the server's max_ram (256MB)");
            CallToolResult env = client.callTool(new CallToolRequest("run_python", Map.of("code", "1", "allowed_hosts", List.of("*"))));
            assertThat(((TextContent) env.content().get(0)).text()).startsWith("allowed_hosts: * is not covered");
        }
    }

    @Test
    void aMissingWrongOrReadOnlyTokenIsRefusedBeforeTheTransport() {
        for (String token : new String[] {null, "wrong-token-0123456789abcdef", READER}) {
            try (McpSyncClient client = client(token)) {
                assertThatThrownBy(client::initialize).as("token " + token).isNotNull();
            }
        }
        HttpResponse<String> none = post(Map.of());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(none.body()).contains("\"error_type\":\"unauthorized\"");
        assertThat(post(Map.of("Authorization", "Bearer " + READER)).statusCode()).isEqualTo(403);
        assertThat(post(Map.of("Authorization", "Bearer " + ADMIN)).statusCode()).isEqualTo(200);
    }

    @Test
    void aForeignOriginIsRefusedEvenWithTheToken() {
        HttpResponse<String> reply = post(Map.of("Authorization", "Bearer " + ADMIN, "Origin", "https://evil.example"));
        assertThat(reply.statusCode()).isEqualTo(403);
        assertThat(reply.body()).contains("Origin");
    }

    static HttpResponse<String> post(Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.service().url() + "/mcp"))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE));
        headers.forEach(request::header);
        try {
            return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
