package run.capsule.service.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceRequest;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code capsule mcp} in its own JVM (spawned from the test class path, in a project directory of its own) driven by the
 * MCP Java SDK's client over stdio: initialize, the tools and their schemas, each tool, a resource, a failing task, a
 * bound refused, a bad argument.
 */
class McpStdioTest {
    @TempDir
    static Path project;
    static McpSyncClient client;
    static final List<ProgressNotification> progress = new CopyOnWriteArrayList<>();

    static McpSyncClient start(Path dir, String... extraArgs) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "cd '" + dir + "' && exec '" + java + "' -cp '" + System.getProperty("java.class.path")
                + "' run.capsule.engine.cli.CapsuleCli mcp --runners 1 " + String.join(" ", extraArgs);
        ServerParameters params = ServerParameters.builder("sh").args("-c", command).build();
        McpSyncClient c = McpClient.sync(new StdioClientTransport(params, CapsuleMcpServer.jsonMapper()))
                .requestTimeout(Duration.ofSeconds(120)).initializationTimeout(Duration.ofSeconds(60))
                .progressConsumer(progress::add).build();
        c.initialize();
        return c;
    }

    @BeforeAll
    static void startServer() {
        client = start(project);
    }

    @AfterAll
    static void stopServer() {
        if (client != null) {
            client.closeGracefully();
        }
    }

    static CallToolResult call(String tool, Map<String, Object> args) {
        return client.callTool(new CallToolRequest(tool, args));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> structured(CallToolResult result) {
        return (Map<String, Object>) result.structuredContent();
    }

    static String text(CallToolResult result) {
        return ((TextContent) result.content().get(0)).text();
    }

    @Test
    @SuppressWarnings("unchecked")
    void listsTheToolsWithSchemasAndReadOnlyHints() {
        var tools = client.listTools().tools();
        assertThat(tools).extracting(t -> t.name()).containsExactlyInAnyOrder("run_python", "run_javascript", "submit_task", "get_task",
                "wait_task", "cancel_task", "list_tasks", "task_output");
        var get = tools.stream().filter(t -> t.name().equals("get_task")).findFirst().orElseThrow();
        assertThat(get.annotations().readOnlyHint()).isTrue();
        assertThat((List<Object>) get.inputSchema().get("required")).containsExactly("id");
        var run = tools.stream().filter(t -> t.name().equals("run_python")).findFirst().orElseThrow();
        assertThat(run.annotations().readOnlyHint()).isFalse();
        assertThat((Map<String, Object>) run.inputSchema().get("properties")).containsKeys("code", "args", "timeout", "compute", "ram", "allowed_hosts");
        assertThat(client.listResourceTemplates().resourceTemplates()).extracting(t -> t.uriTemplate())
                .containsExactlyInAnyOrder("capsule://tasks/{id}", "capsule://tasks/{id}/output");
    }

    @Test
    void runPythonWithMainAndArgsReturnsTheEnvelope() {
        CallToolResult result = call("run_python", Map.of("code", "from capsule import task\n\n@task\ndef main(a, b):\n    return a + b\n", "args", List.of(2, 3)));
        assertThat(result.isError()).isFalse();
        assertThat(structured(result)).containsEntry("success", true).containsEntry("result", 5);
        assertThat(text(result)).contains("\"success\":true");
    }

    @Test
    void aBarePythonSnippetGivesItsLastExpressionAndStdout() {
        CallToolResult result = call("run_python", Map.of("code", "print('hi there')\nx = 6\nx * 7\n"));
        assertThat(result.isError()).as(text(result)).isFalse();
        assertThat(structured(result)).containsEntry("success", true).containsEntry("result", 42);
        assertThat((String) structured(result).get("stdout")).contains("hi there");
    }

    @Test
    void aJavaScriptSnippetUsesItsResultVariable() {
        CallToolResult result = call("run_javascript", Map.of("code", "let result = [1, 2, 3].map(n => n * 2);"));
        assertThat(structured(result)).as(text(result)).containsEntry("success", true).containsEntry("result", List.of(2, 4, 6));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFailingTaskIsANormalResultWhoseEnvelopeSaysWhy() {
        CallToolResult result = call("run_python", Map.of("code", "from capsule import task\n\n@task\ndef main():\n    raise ValueError('bad input 17')\n"));
        assertThat(result.isError()).isFalse();
        assertThat(structured(result)).containsEntry("success", false);
        Map<String, Object> error = (Map<String, Object>) structured(result).get("error");
        assertThat(error.get("error_type")).isEqualTo("task_error");
        assertThat((String) error.get("message")).contains("bad input 17");
    }

    @Test
    void aLimitBeyondTheOperatorsBoundIsAToolErrorNamingTheBound() {
        CallToolResult ram = call("run_python", Map.of("code", "1", "ram", "1GB"));
        assertThat(ram.isError()).isTrue();
        assertThat(text(ram)).startsWith("ram: ").contains("max_ram (256MB)").doesNotContain("\n");
        CallToolResult compute = call("run_python", Map.of("code", "1", "compute", "HIGH"));
        assertThat(text(compute)).startsWith("compute: ").contains("max_compute");
        CallToolResult timeout = call("run_python", Map.of("code", "1", "timeout", 120));
        assertThat(text(timeout)).startsWith("timeout: ").contains("max_timeout (1m)");
        CallToolResult host = call("run_python", Map.of("code", "1", "allowed_hosts", List.of("example.com")));
        assertThat(host.isError()).isTrue();
        assertThat(text(host)).startsWith("allowed_hosts: example.com is not covered");
    }

    @Test
    void aBadArgumentIsAToolErrorNamingIt() {
        CallToolResult missing = call("run_python", Map.of("args", List.of()));
        assertThat(missing.isError()).isTrue();
        assertThat(text(missing)).isEqualTo("code: required");
        CallToolResult unknown = call("get_task", Map.of("id", "x", "verbose", true));
        assertThat(text(unknown)).startsWith("verbose: unknown argument");
        CallToolResult args = call("run_python", Map.of("code", "1", "args", "oops"));
        assertThat(text(args)).startsWith("args: ");
        CallToolResult noTask = call("get_task", Map.of("id", "no-such-task"));
        assertThat(noTask.isError()).isTrue();
        assertThat(text(noTask)).isEqualTo("no task no-such-task");
    }

    @Test
    @SuppressWarnings("unchecked")
    void submitWaitGetOutputListCancelAndTheResources() {
        CallToolResult submitted = call("submit_task", Map.of("language", "python", "code", "print('out!')\nresult = 'done'\n",
                "idempotency_key", "stdio-test-1", "labels", Map.of("team", "mcp")));
        assertThat(submitted.isError()).as(text(submitted)).isFalse();
        String id = (String) structured(submitted).get("id");
        CallToolResult again = call("submit_task", Map.of("language", "python", "code", "result = 'other'", "idempotency_key", "stdio-test-1"));
        assertThat(structured(again)).containsEntry("id", id).containsEntry("created", false);

        Map<String, Object> waited = structured(call("wait_task", Map.of("id", id, "timeout", 60)));
        assertThat(waited).containsEntry("success", true).containsEntry("result", "done").containsEntry("status", "SUCCEEDED");

        Map<String, Object> task = structured(call("get_task", Map.of("id", id)));
        assertThat(task).containsEntry("status", "SUCCEEDED").containsKeys("attempts", "steps", "children", "limits_usage");
        assertThat((List<Object>) task.get("attempts")).hasSize(1);

        Map<String, Object> output = structured(call("task_output", Map.of("id", id)));
        assertThat(output.toString()).contains("out!");

        Map<String, Object> listed = structured(call("list_tasks", Map.of("labels", Map.of("team", "mcp"))));
        assertThat((List<Map<String, Object>>) listed.get("tasks")).extracting(t -> t.get("id")).containsExactly(id);
        assertThat(call("list_tasks", Map.of("status", "WHATEVER")).isError()).isTrue();

        var resource = client.readResource(new ReadResourceRequest("capsule://tasks/" + id));
        assertThat(((TextResourceContents) resource.contents().get(0)).text()).contains("\"status\":\"SUCCEEDED\"");
        var outputResource = client.readResource(new ReadResourceRequest("capsule://tasks/" + id + "/output"));
        assertThat(((TextResourceContents) outputResource.contents().get(0)).text()).contains("out!");

        String slow = (String) structured(call("submit_task", Map.of("language", "python", "code",
                "import time\ntime.sleep(30)\n"))).get("id");
        Map<String, Object> running = structured(call("wait_task", Map.of("id", slow, "timeout", 0)));
        assertThat(running).containsEntry("id", slow).containsKey("status").doesNotContainKey("success");
        Map<String, Object> cancelled = structured(call("cancel_task", Map.of("id", slow)));
        assertThat(cancelled).containsEntry("id", slow);
        Map<String, Object> after = structured(call("wait_task", Map.of("id", slow, "timeout", 30)));
        assertThat(after).containsEntry("status", "CANCELLED");
    }

    @Test
    void aRunThatTakesAWhileSendsProgressNotifications() {
        CallToolResult result = client.callTool(CallToolRequest.builder("run_python").arguments(Map.of("code",
                "import time\ntime.sleep(2.5)\nresult = 1\n")).progressToken("p-1").build());
        assertThat(structured(result)).as(text(result)).containsEntry("success", true);
        assertThat(progress).anySatisfy(p -> assertThat(p.progressToken()).isEqualTo("p-1"));
    }

    @Test
    void aTaskSurvivesTheRestartOfCapsuleMcp(@TempDir Path dir) throws Exception {
        McpSyncClient first = start(dir, "--drain-timeout", "1s");
        String id;
        try {
            id = (String) structured(first.callTool(new CallToolRequest("submit_task", Map.of("language", "python",
                    "code", "import time\ntime.sleep(5)\nresult = 'survived'\n")))).get("id");
            Thread.sleep(1500);
        } finally {
            first.closeGracefully();
        }
        McpSyncClient second = start(dir);
        try {
            Map<String, Object> waited = structured(second.callTool(new CallToolRequest("wait_task", Map.of("id", id, "timeout", 60))));
            assertThat(waited).containsEntry("success", true).containsEntry("result", "survived");
            Map<String, Object> task = structured(second.callTool(new CallToolRequest("get_task", Map.of("id", id))));
            assertThat(task.get("events").toString()).as("handed back by the first server, run by the second").contains("stopping");
        } finally {
            second.closeGracefully();
        }
    }
}
