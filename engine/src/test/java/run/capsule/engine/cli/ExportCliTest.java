package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.TestModules;
import run.capsule.store.AttemptOutcome;
import run.capsule.store.AttemptOutput;
import run.capsule.protocol.HostRequest;
import run.capsule.store.Journal;
import run.capsule.store.JournalConfig;
import run.capsule.protocol.StepRecord;
import run.capsule.store.NewTask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static run.capsule.store.jooq.Tables.ATTEMPTS;
import static run.capsule.store.jooq.Tables.ATTEMPT_OUTPUT;
import static run.capsule.store.jooq.Tables.HOST_REQUESTS;
import static run.capsule.store.jooq.Tables.MODULES;
import static run.capsule.store.jooq.Tables.STEPS;
import static run.capsule.store.jooq.Tables.TASKS;
import static run.capsule.store.jooq.Tables.TASK_EVENTS;
import static run.capsule.store.jooq.Tables.TASK_LABELS;

/**
 * capsule export (issue 17 item 6): every tree as one JSON line holds what the journal holds. The round trip loads the
 * export into an empty journal and finds every row of every table again, column for column.
 */
class ExportCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Table<?>> TABLES = List.of(MODULES, TASKS, ATTEMPTS, TASK_EVENTS, STEPS, HOST_REQUESTS, TASK_LABELS, ATTEMPT_OUTPUT);

    @TempDir
    Path workDir;

    private CliOutcome capsule(String... args) {
        return CliOutcome.run(workDir, Map.of(), args);
    }

    /** A parent whose attempt started a child through a journaled step; both made a network request. */
    private static String journalTree(Journal journal) {
        byte[] module = TestModules.class.getName().getBytes();
        String sha = run.capsule.store.ModuleStore.sha256(module);
        String parent = UUID.randomUUID().toString();
        String child = UUID.randomUUID().toString();
        journal.tasks().create(new NewTask(parent, "agent", null, sha, 0, "{\"args\":[\"a,b\"]}")
                .withLabels(Map.of("team", "search", "run", "nightly"), null), module);
        int attempt = journal.tasks().startAttempt(parent, "node-a");
        journal.tasks().createChild(new NewTask(child, "fetch", parent, sha, 0, "{\"args\":[]}"), module, attempt,
                List.of(new StepRecord(1, "child", "fetch", "{\"args\":[]}", "{\"id\":\"" + child + "\"}", child, 2)));
        HostRequest request = new HostRequest(1, System.currentTimeMillis(), "GET", "https://api.example.org/x", Map.of("accept", "*/*"), 200, 0L, 10L, 3L, null);
        journal.tasks().finishAttempt(child, journal.tasks().startAttempt(child, "node-a"),
                AttemptOutcome.succeeded(4, 10L, 20L, 0, "\"é\\n\"").withHostRequests(List.of(request))
                        .withOutput(new AttemptOutput("fetched 3 bytes\n", false, "", false)), false, "succeeded");
        journal.tasks().finishAttempt(parent, attempt, AttemptOutcome.failed(5, 11L, 21L, 1, "task_error", "boom").withHostRequests(List.of(request))
                .withOutput(new AttemptOutput("a".repeat(64), true, "Traceback: boom\n", false)), false, "failed");
        return parent;
    }

    private static Map<String, List<Map<String, Object>>> contents(DSLContext dsl) {
        Map<String, List<Map<String, Object>>> all = new LinkedHashMap<>();
        for (Table<?> table : TABLES) {
            List<Map<String, Object>> rows = dsl.selectFrom(table).orderBy(table.fields()[0], table.fields()[1]).fetchMaps();
            rows.forEach(row -> row.replaceAll((k, v) -> v instanceof OffsetDateTime t ? t.toInstant() : v instanceof byte[] b ? Base64.getEncoder().encodeToString(b) : v));
            all.put(table.getName(), rows);
        }
        return all;
    }

    private static void load(DSLContext dsl, JsonNode line) {
        Map<Table<?>, String> arrays = Map.of(MODULES, "modules", TASKS, "tasks", ATTEMPTS, "attempts", TASK_EVENTS, "events", STEPS, "steps",
                HOST_REQUESTS, "host_requests", TASK_LABELS, "labels", ATTEMPT_OUTPUT, "output");
        for (Table<?> table : TABLES) {
            for (JsonNode row : line.get(arrays.get(table))) {
                Record record = dsl.newRecord(table);
                for (Field<?> field : table.fields()) {
                    JsonNode value = row.get(field.getName());
                    set(record, field, value == null || value.isNull() ? null
                            : field.getType() == byte[].class ? Base64.getDecoder().decode(value.asText())
                            : value.isTextual() ? value.asText() : value.isBoolean() ? value.asBoolean() : value.numberValue());
                }
                dsl.executeInsert((org.jooq.TableRecord) record.into(table));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void set(Record record, Field<T> field, Object value) {
        record.set(field, field.getDataType().convert(value));
    }

    @Test
    void anExportLoadedIntoAnEmptyJournalHoldsEveryRowAgain() throws Exception {
        capsule("run", TestModules.sample("hello/hello.wasm").toString());
        capsule("run", TestModules.wasm("exit3.wasm").toString());
        JournalConfig source = JournalConfig.embedded(workDir.resolve(".capsule"));
        String parent;
        try (Journal journal = Journal.open(source)) {
            parent = journalTree(journal);
        }
        Path file = workDir.resolve("export.jsonl");

        CliOutcome export = capsule("export", "--with-modules", "--output", file.toString());

        assertThat(export.exitCode()).as(export.err()).isZero();
        assertThat(export.err()).contains("exported 3 task tree(s), 4 task(s)");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        JsonNode tree = lines.stream().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).filter(n -> n.get("root_id").asText().equals(parent)).findFirst().orElseThrow();
        assertThat(tree.get("format").asText()).isEqualTo("capsule-tree/1");
        assertThat(tree.get("tasks")).hasSize(2);
        assertThat(tree.get("tasks").get(0).get("id").asText()).as("parents first").isEqualTo(parent);
        assertThat(tree.get("steps").get(0).get("child_id").asText()).isEqualTo(tree.get("tasks").get(1).get("id").asText());
        assertThat(tree.get("host_requests")).hasSize(2);
        assertThat(tree.get("labels")).hasSize(2);
        assertThat(tree.get("output")).hasSize(2);
        assertThat(tree.get("output").findValuesAsText("stderr")).contains("Traceback: boom\n");

        try (Journal from = Journal.open(source); Journal into = Journal.open(JournalConfig.embedded(workDir.resolve("copy")))) {
            for (String line : lines) {
                load(into.dsl(), JSON.readTree(line));
            }
            assertThat(contents(from.dsl()).get("tasks")).hasSize(4);
            assertThat(contents(from.dsl()).get("task_labels")).hasSize(2);
            assertThat(contents(from.dsl()).get("attempt_output")).as("the two trees run by the CLI printed too").hasSizeGreaterThanOrEqualTo(3);
            assertThat(contents(into.dsl())).isEqualTo(contents(from.dsl()));
        }
    }

    @Test
    void sinceAndUntilSelectTreesByTheirRootsCreationAndStdoutIsTheDefault() throws Exception {
        capsule("run", TestModules.sample("hello/hello.wasm").toString());

        assertThat(capsule("export", "--since", "1h").out().strip().lines()).hasSize(1);
        assertThat(capsule("export", "--until", "1h").out()).isEmpty();
        assertThat(capsule("export", "--since", "2999-01-01").out()).isEmpty();
        JsonNode line = JSON.readTree(capsule("export").out());
        assertThat(line.get("modules").get(0).has("bytes")).as("bytes only with --with-modules").isFalse();
        assertThat(line.get("attempts").get(0).get("status").asText()).isEqualTo("SUCCEEDED");
        CliOutcome bad = capsule("export", "--format", "csv");
        assertThat(bad.exitCode()).isEqualTo(CapsuleCli.USAGE);
        assertThat(bad.err().strip()).isEqualTo("capsule: invalid --format value 'csv': only jsonl is supported");
    }
}
