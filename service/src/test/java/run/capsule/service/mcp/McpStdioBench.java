package run.capsule.service.mcp;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.JournalConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Benchmark, not a timed test (docs/performance.md, MCP): a Python hello through {@code run_python} of {@code capsule mcp}
 * over stdio, warm, against the same source through the Java API (Capsule.run in-process, and submit + await through a
 * worker as the MCP server does). Run: {@code mvn -pl service -am test -Dtest=McpStdioBench -Dcapsule.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "capsule.bench", matches = "true")
class McpStdioBench {
    static final String HELLO = "result = 'hello'\n";
    static final int WARM = 20;
    static final int RUNS = 100;

    @Test
    void runPythonHelloOverStdioVersusTheJavaApi(@TempDir Path mcpDir, @TempDir Path apiDir) throws Exception {
        McpSyncClient client = McpStdioTest.start(mcpDir);
        List<Long> mcp = new ArrayList<>();
        try {
            for (int i = 0; i < WARM + RUNS; i++) {
                long start = System.nanoTime();
                var result = client.callTool(new CallToolRequest("run_python", Map.of("code", HELLO)));
                long took = System.nanoTime() - start;
                assertThat(McpStdioTest.structured(result)).containsEntry("result", "hello");
                if (i >= WARM) {
                    mcp.add(took);
                }
            }
        } finally {
            client.closeGracefully();
        }
        Path source = Files.writeString(apiDir.resolve("hello.py"), HELLO);
        List<Long> direct = new ArrayList<>();
        List<Long> queued = new ArrayList<>();
        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().journal(JournalConfig.embedded(apiDir.resolve(".capsule"))).runners(1).build())) {
            TaskSpec spec = TaskSpec.builder(source).build();
            for (int i = 0; i < WARM + RUNS; i++) {
                long start = System.nanoTime();
                TaskResult result = capsule.run(spec);
                long took = System.nanoTime() - start;
                assertThat(result.success()).isTrue();
                if (i >= WARM) {
                    direct.add(took);
                }
            }
            Worker worker = capsule.startWorker(WorkerOptions.DEFAULT);
            try {
                for (int i = 0; i < WARM + RUNS; i++) {
                    long start = System.nanoTime();
                    String id = capsule.submit(spec, SubmitOptions.NOW).taskId();
                    worker.wake();
                    TaskResult result = capsule.await(id, Duration.ofSeconds(60)).orElseThrow();
                    long took = System.nanoTime() - start;
                    assertThat(result.success()).isTrue();
                    if (i >= WARM) {
                        queued.add(took);
                    }
                }
            } finally {
                worker.close();
            }
        }
        System.out.printf("MCP run_python over stdio:        %s%n", summary(mcp));
        System.out.printf("Java API Capsule.run:             %s%n", summary(direct));
        System.out.printf("Java API submit + wake + await:   %s%n", summary(queued));
    }

    static String summary(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return String.format("n=%d p50=%.1f ms p99=%.1f ms", sorted.size(), at(sorted, 0.50), at(sorted, 0.99));
    }

    static double at(List<Long> sorted, double q) {
        int index = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1e6;
    }
}
