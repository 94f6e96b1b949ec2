package run.capsule.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.cli.CliProcess;
import run.capsule.store.JournalConfig;
import run.capsule.store.NodeStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code capsule drain} stops a {@code capsule serve} and a {@code capsule mcp} process as it stops a worker: they exit 0. */
class DrainedNodeExitTest {
    @TempDir
    Path dir;

    @Test
    void capsuleServeExitsOnceDrained() throws Exception {
        drainAndExpectExit("served-node", "capsule serve", "serve", "--port", "0", "--node-id", "served-node", "--runners", "1");
    }

    @Test
    void capsuleMcpExitsOnceDrainedWhileItsClientStaysConnected() throws Exception {
        drainAndExpectExit("mcp-node", "capsule mcp", "mcp", "--node-id", "mcp-node", "--runners", "1");
    }

    private void drainAndExpectExit(String nodeId, String command, String... args) throws Exception {
        Path log = dir.resolve("node.log");
        // stdin stays an open pipe: an MCP client that has not hung up
        Process node = CliProcess.builder(args).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(JournalConfig.embedded(dir.resolve(".capsule")))
                .nodeId("operator").build())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> client.node(nodeId).map(n -> n.status() == NodeStatus.ALIVE).orElse(false));
            client.drain(nodeId);
            assertThat(node.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
            assertThat(node.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.readString(log)).contains(command + " " + nodeId + " drained on request (capsule drain); exiting");
            assertThat(client.node(nodeId).orElseThrow().status()).isEqualTo(NodeStatus.STOPPED);
        } finally {
            node.destroyForcibly();
        }
    }
}
