package run.capsule.store;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static run.capsule.store.jooq.Tables.ATTEMPTS;

/**
 * Issue 17 item 4: every query of docs/sql.md's "Questions answered in SQL" runs, as written there, through the
 * read-only path of capsule sql, on H2 and on PostgreSQL, over a journal that holds an answer to each.
 */
class DocumentedQueriesTest {
    private static final Pattern SQL_BLOCK = Pattern.compile("```sql\\n-- ([^\\n]+)\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    static Map<String, String> documentedQueries() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "sql.md"));
        int from = doc.indexOf("## Questions answered in SQL");
        String section = doc.substring(from, doc.indexOf("\n## ", from + 10));
        Map<String, String> queries = new LinkedHashMap<>();
        Matcher m = SQL_BLOCK.matcher(section);
        while (m.find()) {
            queries.put(m.group(1), m.group(2).strip());
        }
        return queries;
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void eachDocumentedQueryRunsAndFindsItsAnswer(String database) throws IOException {
        try (Journal journal = Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres())) {
            JournalTrees trees = new JournalTrees(journal);
            String parent = trees.root("agent", JournalTrees.MODULE);
            trees.start(parent);
            String child = trees.child(parent, "fetch", 1);
            trees.succeed(child, "api.example.org:8443");
            trees.succeedStarted(parent, "llm.example.com");
            String timedOut = trees.root("summarize", JournalTrees.MODULE);
            trees.fail(timedOut, "timeout");
            String retried = trees.root("flaky", JournalTrees.MODULE);
            journal.tasks().finishAttempt(retried, trees.start(retried), AttemptOutcome.failed(3, 5L, 1L, 1, "task_error", "boom"),
                    OffsetDateTime.now().minusSeconds(1), "retry");
            trees.succeed(retried, null);
            String recovered = trees.root("long-haul", JournalTrees.MODULE);
            journal.tasks().startAttempt(recovered, "node-x");
            journal.tasks().recoverNode("node-x", "node node-x lost (no heartbeat for 10000 ms)", 3);
            trees.succeed(recovered, null);

            Map<String, String> queries = documentedQueries();
            assertThat(queries).hasSizeGreaterThanOrEqualTo(7);
            Map<String, List<List<Object>>> answers = new LinkedHashMap<>();
            queries.forEach((title, sql) -> answers.put(title, journal.readOnlySql().query(sql, 100).rows()));

            assertThat(answers.get("failures since yesterday by error type, with their messages"))
                    .extracting(r -> r.get(0)).contains("timeout", "task_error");
            List<List<Object>> fuel = answers.get("the ten most fuel-hungry task names this week");
            assertThat(fuel.get(0)).as("1000 fuel per successful attempt, 5 for flaky's failed one").startsWith("flaky");
            assertThat(((Number) fuel.get(0).get(1)).longValue()).isEqualTo(1005);
            assertThat(journal.readOnlySql().query("SELECT DISTINCT language FROM attempts_named", 10).rows()).containsExactly(List.of("wasm"));
            assertThat(answers.get("hosts called per task name this week, with request counts and bytes"))
                    .extracting(r -> r.get(0) + " " + r.get(1)).containsExactlyInAnyOrder("fetch api.example.org:8443", "agent llm.example.com");
            assertThat(answers.get("tasks recovered after a node loss, with each recovery")).extracting(r -> r.get(0)).containsExactly(recovered);
            assertThat(answers.get("retries that finally succeeded this week, per task name")).extracting(r -> r.get(0)).containsExactly("flaky");
            assertThat(answers.get("daily usage per task name this week")).extracting(r -> r.get(1))
                    .contains("agent", "fetch", "summarize", "flaky", "long-haul");
            assertThat(answers.get("failures per day and error type this week")).extracting(r -> r.get(2)).contains("timeout", "task_error");
            assertThat(journal.dsl().fetchCount(ATTEMPTS)).as("one attempt each, two for the retried and the recovered task").isEqualTo(7);
            assertThat(journal.readOnlySql().query("SELECT name, label_value FROM task_labels WHERE task_id = '" + parent + "'", 10).rows())
                    .as("labels are readable by capsule sql").containsExactly(List.of("team", "history"));
            assertThat(journal.readOnlySql().query("SELECT stdout FROM attempt_output WHERE task_id = '" + child + "'", 10).rows())
                    .as("so is the guest's output").containsExactly(List.of("out of " + child));
            if (database.equals("h2")) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> journal.readOnlySql().query("SELECT * FROM task_secrets", 1))
                        .as("the H2 reader holds no grant on secrets").isInstanceOf(JournalException.class);
            }
        }
    }

    /** V21: attempts_named takes each task's language from tasks.language, also for a module whose path would have fooled V11. */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void attemptsNamedTellsEachTasksLanguage(String database) {
        try (Journal journal = Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres())) {
            Map<String, String> configs = new LinkedHashMap<>();
            configs.put("py", "{\"program\":{\"language\":\"python\",\"file\":\"job.py\"},\"args\":[]}");
            configs.put("js", "{\"program\":{\"language\":\"javascript\",\"file\":\"job.js\"},\"args\":[]}");
            configs.put("module", "{\"module\":\"/var/lib/pipelines/score.wasm\",\"args\":[]}");
            configs.put("module2", "{\"module\":\"/home/someone/jobs/x.wasm\",\"args\":[]}");
            byte[] module = JournalTrees.MODULE;
            for (var entry : configs.entrySet()) {
                String id = java.util.UUID.randomUUID().toString();
                journal.tasks().create(new NewTask(id, entry.getKey(), null, ModuleStore.sha256(module), 0, entry.getValue()), module);
                journal.tasks().startAttempt(id, "node-a");
            }
            assertThat(journal.readOnlySql().query("SELECT name, language FROM attempts_named ORDER BY name", 10).rows())
                    .containsExactly(List.of("js", "javascript"), List.of("module", "wasm"), List.of("module2", "wasm"), List.of("py", "python"));
        }
    }

    /** V17: an attempt's started_on is its start's day in UTC on both databases, whatever the session's time zone. */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void attemptsStoreTheirUtcStartDay(String database) {
        try (Journal journal = Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres())) {
            JournalTrees trees = new JournalTrees(journal);
            String late = trees.root("late", JournalTrees.MODULE);
            trees.succeed(late, null);
            journal.dsl().update(ATTEMPTS).set(ATTEMPTS.STARTED_AT, OffsetDateTime.parse("2026-12-05T23:30:00-05:00"))
                    .where(ATTEMPTS.TASK_ID.eq(late)).execute();
            Object day = journal.dsl().fetchValue("SELECT CAST(started_on AS VARCHAR(10)) FROM attempts WHERE task_id = ?", late);
            assertThat(day).isEqualTo("2026-12-06");
            assertThat(journal.readOnlySql().query("SELECT name FROM usage_daily WHERE started_on = DATE '2026-12-06'", 10).rows())
                    .containsExactly(List.of("late"));
        }
    }
}
