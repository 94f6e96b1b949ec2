package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.TestModules;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static run.capsule.store.jooq.Tables.TASKS;

/** capsule prune (issue 17 item 3): dry run, --keep-failed, --json, the prune_runs record and bad input, on real runs. */
class PruneCliTest {
    @TempDir
    Path workDir;

    private CliOutcome capsule(String... args) {
        return CliOutcome.run(workDir, Map.of(), args);
    }

    private String run(String module) throws Exception {
        return capsule("run", "--json", module).json().get("execution").get("task_id").asText();
    }

    private void age(Duration ago, String... ids) {
        try (Journal journal = Journal.open(JournalConfig.embedded(workDir.resolve(".capsule")))) {
            var then = journal.nodes().databaseNow().minus(ago);
            journal.dsl().update(TASKS).set(TASKS.UPDATED_AT, then).where(TASKS.ID.in(ids)).execute();
        }
    }

    @Test
    void prunesOldTasksKeepsFailedOnRequestAndRecordsEachRun() throws Exception {
        String oldOk = run(TestModules.sample("hello/hello.wasm").toString());
        String oldFailed = run(TestModules.wasm("exit3.wasm").toString());
        String recent = run(TestModules.sample("hello/hello.wasm").toString());
        age(Duration.ofDays(40), oldOk, oldFailed);

        CliOutcome dry = capsule("prune", "--finished-before", "30d", "--dry-run", "--json");
        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(dry.json().get("would_delete").get("tasks").asLong()).isEqualTo(2);
        assertThat(capsule("history", "--json").json()).hasSize(3);

        CliOutcome keepFailed = capsule("prune", "--finished-before", "30d", "--keep-failed", "--json");
        JsonNode report = keepFailed.json();
        assertThat(report.get("outcome").asText()).isEqualTo("completed");
        assertThat(report.get("deleted").get("tasks").asLong()).isEqualTo(1);
        assertThat(report.get("deleted").get("attempts").asLong()).isEqualTo(1);
        assertThat(capsule("status", oldOk).exitCode()).isNotZero();

        CliOutcome text = capsule("prune", "--finished-before", "30d");
        assertThat(text.exitCode()).isZero();
        assertThat(text.out()).contains("deleted 1 tasks");
        JsonNode left = capsule("history", "--json").json();
        assertThat(left).hasSize(1);
        assertThat(left.get(0).get("id").asText()).isEqualTo(recent);

        JsonNode runs = capsule("sql", "--json", "SELECT dry_run, keep_failed, outcome, tasks_deleted FROM prune_runs ORDER BY id").json();
        assertThat(runs).hasSize(3);
        assertThat(runs.get(0).get("dry_run").asBoolean()).isTrue();
        assertThat(runs.get(1).get("keep_failed").asBoolean()).isTrue();
        assertThat(runs.get(2).get("tasks_deleted").asLong()).isEqualTo(1);
        assertThat(runs.get(2).get("outcome").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void aBadCutoffIsOneLineAndAUsageError() {
        CliOutcome bad = capsule("prune", "--finished-before", "yesterday");

        assertThat(bad.exitCode()).isEqualTo(CapsuleCli.USAGE);
        assertThat(bad.err().strip().lines()).hasSize(1);
        assertThat(bad.err()).contains("--finished-before").contains("30d");
        assertThat(capsule("prune").exitCode()).isEqualTo(CapsuleCli.USAGE);
    }
}
