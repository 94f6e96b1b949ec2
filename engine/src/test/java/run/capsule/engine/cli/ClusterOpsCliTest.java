package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.TestModules;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.AttemptStatus;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;
import run.capsule.store.NodeStatus;
import run.capsule.store.TaskStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Issue 16, item 3: `capsule nodes`, `capsule drain` against a real worker process, and `capsule migrate` with the version check. */
class ClusterOpsCliTest {
    private static final String NODE = "drained-node";

    @TempDir
    Path dir;

    private Process startWorker(JournalConfig journal) throws Exception {
        return CliProcess.start(dir.resolve("worker.log"), "--db", journal.jdbcUrl(), "worker", "--node-id", NODE, "--runners", "1",
                "--heartbeat", "300ms", "--drain-timeout", "30s");
    }

    private CliOutcome capsule(String... args) {
        return CliOutcome.run(dir, Map.of(), args);
    }

    private static TaskSpec sleeping(int seconds) {
        return TaskSpec.builder(TestModules.wasm("probe.wasm")).args(List.of("sleep", Integer.toString(seconds))).build();
    }

    @Test
    void nodesListsAWorkerAndDrainStopsItAfterItsRunningAttemptFinished() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).nodeId("client").build())) {
            String running = client.submit(sleeping(3), SubmitOptions.NOW).taskId();
            String queued = client.submit(sleeping(0), SubmitOptions.NOW).taskId();
            Process worker = startWorker(journal);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> client.task(running).orElseThrow().status() == TaskStatus.RUNNING);
                await().atMost(Duration.ofSeconds(5)).until(() -> client.node(NODE).orElseThrow().runnersBusy() == 1);

                CliOutcome table = capsule("nodes");
                assertThat(table.exitCode()).isZero();
                assertThat(table.out()).contains("NODE").contains("LAST HEARTBEAT (AGE)").containsPattern(NODE + " +ALIVE .* 1/1 +0\\.1\\.0");
                JsonNode json = capsule("nodes", "--json").json();
                JsonNode row = null;
                for (JsonNode n : json) {
                    if (n.path("id").asText().equals(NODE)) {
                        row = n;
                    }
                }
                assertThat(row).isNotNull();
                assertThat(row.path("status").asText()).isEqualTo("ALIVE");
                assertThat(row.path("pid").asLong()).isEqualTo(worker.pid());
                assertThat(row.path("runners").asInt()).isEqualTo(1);
                assertThat(row.path("runners_busy").asInt()).isEqualTo(1);
                assertThat(row.path("heartbeat_age_ms").asLong()).isBetween(0L, 5000L);
                assertThat(row.path("host").asText()).isNotBlank();

                CliOutcome drained = capsule("drain", NODE, "--wait", "--timeout", "60s");
                assertThat(drained.exitCode()).as(drained.err()).isZero();
                assertThat(drained.out()).contains("asked node " + NODE + " to drain").contains("node " + NODE + " is STOPPED");
                assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(worker.exitValue()).isZero();
                assertThat(Files.readString(dir.resolve("worker.log"))).contains("capsule worker " + NODE + " drained on request");

                // the running attempt finished within the drain timeout; the queued task was not claimed
                assertThat(client.task(running).orElseThrow().status()).isEqualTo(TaskStatus.SUCCEEDED);
                assertThat(client.attempts(running)).singleElement().satisfies(a -> assertThat(a.status()).isEqualTo(AttemptStatus.SUCCEEDED));
                assertThat(client.task(queued).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
                assertThat(client.node(NODE).orElseThrow().status()).isEqualTo(NodeStatus.STOPPED);

                CliOutcome again = capsule("drain", NODE);
                assertThat(again.exitCode()).isEqualTo(CapsuleCli.FAILED);
                assertThat(again.err().strip()).isEqualTo("capsule: node " + NODE + " is STOPPED: nothing to drain");
                CliOutcome unknown = capsule("drain", "no-such-node");
                assertThat(unknown.exitCode()).isEqualTo(CapsuleCli.FAILED);
                assertThat(unknown.err().strip()).isEqualTo("capsule: no node no-such-node in this journal (capsule nodes lists them)");
            } finally {
                worker.destroyForcibly();
            }
        }
    }

    @Test
    void anOlderPostgresJournalIsRefusedUntilCapsuleMigrateAndANewerOneAlways() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            String url = pg.getJdbcUrl("postgres", "postgres");
            JournalConfig journal = JournalConfig.of(url).withCredentials("postgres", "postgres");
            Journal.open(journal).close();
            int newest = Journal.SCHEMA_VERSION;
            // forget the newest migration (V21 only replaces a view, so running it again is harmless): the journal is
            // as the version before left it
            sql(url, "DELETE FROM flyway_schema_history WHERE version = '" + newest + "'");
            int previous = newestApplied(url);

            CliOutcome refused = capsule("--db", url, "nodes");
            assertThat(refused.exitCode()).isEqualTo(CapsuleCli.FAILED);
            assertThat(refused.err().strip()).startsWith("capsule: journal ").endsWith("is at schema version " + previous
                    + ", this Capsule needs " + newest + ": run 'capsule migrate' once (docs/operations.md)");
            assertThat(refused.err().strip().lines()).hasSize(1);

            CliOutcome dry = capsule("--db", url, "migrate", "--dry-run");
            assertThat(dry.exitCode()).isZero();
            assertThat(dry.out().strip()).isEqualTo("would migrate the journal from schema version " + previous + " to schema version "
                    + newest + ": V" + newest + " attempt language from task");
            assertThat(capsule("--db", url, "nodes").exitCode()).isEqualTo(CapsuleCli.FAILED);

            CliOutcome migrated = capsule("--db", url, "migrate");
            assertThat(migrated.exitCode()).isZero();
            assertThat(migrated.out()).startsWith("migrated the journal from schema version " + previous);
            assertThat(capsule("--db", url, "nodes").exitCode()).isZero();
            assertThat(capsule("--db", url, "migrate").out().strip()).isEqualTo("the journal is at schema version " + newest + ": nothing to migrate");

            sql(url, "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by,"
                    + " installed_on, execution_time, success) VALUES (1000, '" + (newest + 1) + "', 'future', 'SQL', 'V" + (newest + 1)
                    + "__future.sql', 0, 'test', CURRENT_TIMESTAMP, 1, TRUE)");
            for (String[] command : List.of(new String[]{"nodes"}, new String[]{"migrate"}, new String[]{"worker"})) {
                String[] args = new String[command.length + 2];
                args[0] = "--db";
                args[1] = url;
                System.arraycopy(command, 0, args, 2, command.length);
                CliOutcome newer = capsule(args);
                assertThat(newer.exitCode()).as(String.join(" ", command)).isEqualTo(CapsuleCli.FAILED);
                assertThat(newer.err().strip()).as(String.join(" ", command)).endsWith("at schema version " + (newest + 1)
                        + " was migrated by a newer Capsule; this Capsule knows up to " + newest + "; upgrade this node (docs/operations.md)");
                assertThat(newer.err().strip().lines()).hasSize(1);
            }
        }
    }

    private static void sql(String url, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    private static int newestApplied(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement();
             java.sql.ResultSet rows = s.executeQuery("SELECT MAX(CAST(version AS INTEGER)) FROM flyway_schema_history WHERE success")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
