package run.capsule.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.TestModules;
import run.capsule.engine.cli.CliProcess;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static run.capsule.store.jooq.Tables.TASKS;

/**
 * The periodic prune of a node (issue 17, item 3) on each node command, as a process: {@code worker}, {@code serve} and
 * {@code mcp} take {@code --prune-finished-before}, and serve also its {@code capsule.toml} keys.
 */
class NodePruneFlagsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"worker", "serve", "mcp"})
    void aNodePrunesOldFinishedTreesOnItsIntervalAndKeepsTheRest(String command) throws Exception {
        try (CapsuleClient client = operator()) {
            String old = finishedDaysAgo(client, "CANCELLED", 40);
            String recent = finishedDaysAgo(client, "CANCELLED", 1);
            String oldFailed = finishedDaysAgo(client, "FAILED", 40);

            String node = command + "-node";
            List<String> args = new ArrayList<>(List.of(command, "--node-id", node, "--runners", "1",
                    "--prune-finished-before", "30d", "--prune-every", "1s"));
            if (command.equals("serve")) {
                args.addAll(List.of("--port", "0"));
            }
            runUntilPruned(client, node, args, "pruning trees finished more than 30d ago every 1s", old);

            assertThat(client.task(recent)).as("finished a day ago").isPresent();
            assertThat(client.task(oldFailed)).as("--prune-keep-failed was not given").isEmpty();
            assertThat(client.query("SELECT requested_by FROM prune_runs", 100).rows()).isNotEmpty()
                    .allSatisfy(row -> assertThat(row.get(0)).isEqualTo(node));
        }
    }

    @Test
    void serveTakesThePruneFromCapsuleTomlAndKeepsFailedTreesWhenAsked() throws Exception {
        Files.writeString(dir.resolve("capsule.toml"), """
                [serve]
                prune_finished_before = "30d"
                prune_every = "1s"
                prune_keep_failed = true
                """);
        try (CapsuleClient client = operator()) {
            String old = finishedDaysAgo(client, "SUCCEEDED", 40);
            String oldFailed = finishedDaysAgo(client, "FAILED", 40);

            runUntilPruned(client, "served", List.of("serve", "--node-id", "served", "--runners", "1", "--port", "0"),
                    "pruning trees finished more than 30d ago every 1s, keeping failed ones", old);

            assertThat(client.task(oldFailed)).as("prune_keep_failed").isPresent();
        }
    }

    @Test
    void aKeepFailedWithoutAnAgeIsRefusedBeforeTheNodeStarts() throws Exception {
        Process worker = CliProcess.builder("worker", "--prune-keep-failed").directory(dir.toFile()).redirectErrorStream(true).start();
        assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String said = new String(worker.getInputStream().readAllBytes());
        assertThat(worker.exitValue()).as(said).isEqualTo(2);
        assertThat(said.strip()).isEqualTo("capsule: --prune-keep-failed and --prune-every need --prune-finished-before AGE");
    }

    private CapsuleClient operator() {
        return Capsule.openClient(CapsuleOptions.builder().journal(journal()).nodeId("operator").build());
    }

    private JournalConfig journal() {
        return JournalConfig.embedded(dir.resolve(".capsule"));
    }

    /** A task journaled as ended {@code days} ago with {@code status}, as a long-running node would have left it. */
    private String finishedDaysAgo(CapsuleClient client, String status, int days) {
        String id = client.submit(TaskSpec.builder(TestModules.sample("hello/hello.wasm")).build(), SubmitOptions.NOW).taskId();
        try (Journal journal = Journal.open(journal())) {
            var then = journal.nodes().databaseNow().minusDays(days);
            journal.dsl().update(TASKS).set(TASKS.STATUS, status).set(TASKS.UPDATED_AT, then).where(TASKS.ID.eq(id)).execute();
        }
        return id;
    }

    private void runUntilPruned(CapsuleClient client, String node, List<String> args, String startLine, String pruned) throws Exception {
        Path log = dir.resolve(node + ".log");
        Process process = CliProcess.builder(args.toArray(String[]::new)).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains(startLine) || !process.isAlive());
            assertThat(Files.readString(log)).contains(startLine);
            await().atMost(Duration.ofSeconds(60)).until(() -> client.task(pruned).isEmpty());
            client.drain(node);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
            assertThat(process.exitValue()).as(Files.readString(log)).isZero();
        } finally {
            process.destroyForcibly();
        }
    }
}
