package run.capsule.store;

import run.capsule.protocol.StepRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** How a replay reads a task's steps (red-team finding 5): large ones held back, the rest within a budget. */
class StepJournalTest {
    @TempDir
    Path dir;

    private Journal open(String database) {
        return Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres());
    }

    private static StepRecord http(int n, String outcome) {
        return new StepRecord(n, "http", "GET http://a/" + n, "{}", outcome, null, 1);
    }

    private static String journaledId(Journal journal) {
        byte[] module = "\0asm-steps".getBytes(StandardCharsets.UTF_8);
        String id = UUID.randomUUID().toString();
        journal.tasks().create(new NewTask(id, "main", null, ModuleStore.sha256(module), 0, "{\"args\":[]}"), module);
        journal.tasks().startAttempt(id, "node-a"); // steps are journaled by a running attempt (AttemptFence)
        return id;
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void largeStepsAreHeldBackAndTheRestTravelWhileTheBudgetLasts(String database) {
        try (Journal journal = open(database)) {
            String id = journaledId(journal);
            String small = "\"é" + "s".repeat(100) + "\"";  // 104 bytes as UTF-8
            String large = "\"" + "L".repeat(5000) + "\"";
            journal.steps().record(id, 1, List.of(http(1, small), http(2, large), http(3, small), http(4, small), http(5, small)));
            long smallBytes = ("GET http://a/1".length() + 2 + small.getBytes(StandardCharsets.UTF_8).length);

            // room for two small steps with 10 bytes of framing each: steps 1 and 3; step 4 ends the inline part
            List<ReplayStep> steps = journal.steps().forReplay(id, 1000, 2 * (smallBytes + 10), 10);

            assertThat(steps).extracting(ReplayStep::stepNo).containsExactly(1, 2, 3, 4, 5);
            assertThat(steps).extracting(ReplayStep::held).containsExactly(false, true, false, true, true);
            assertThat(steps.get(0).outcome()).isEqualTo(small);
            assertThat(steps.get(0).bytes()).isEqualTo(smallBytes);
            assertThat(steps.get(1).outcome()).isNull();
            assertThat(steps.get(1).bytes()).isEqualTo("GET http://a/2".length() + 2 + large.length());
            assertThat(journal.steps().step(id, 2).orElseThrow().outcome()).isEqualTo(large);
            assertThat(journal.steps().step(id, 9)).isEmpty();
            assertThat(journal.readOnlySql().query("SELECT outcome FROM steps WHERE step_no = 2 AND task_id = '" + id + "'", 1).rows())
                    .containsExactly(List.of(large));
        }
    }
}
