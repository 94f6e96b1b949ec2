package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.TestModules;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line, in-process, against an H2 journal in a fresh working directory. */
class CapsuleCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    private CliOutcome capsule(Map<String, String> env, String... args) {
        return CliOutcome.run(workDir, env, args);
    }

    private CliOutcome capsule(String... args) {
        return capsule(Map.of(), args);
    }

    @Test
    void runJsonPrintsExactlyOneEnvelope() throws Exception {
        CliOutcome run = capsule("run", "--json", TestModules.sample("hello/hello.wasm").toString(), "Grace");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().strip().lines()).hasSize(1);
        JsonNode envelope = run.json();
        assertThat(envelope.get("success").asBoolean()).isTrue();
        assertThat(envelope.get("result").asText()).isEqualTo("Hello, Grace!");
        assertThat(envelope.get("error").isNull()).isTrue();
        JsonNode execution = envelope.get("execution");
        assertThat(fieldNames(envelope)).containsExactly("success", "result", "error", "execution");
        assertThat(fieldNames(execution)).containsExactly("task_id", "task_name", "duration_ms", "retries", "fuel_consumed", "ram_used", "host_requests");
        assertThat(execution.get("task_name").asText()).isEqualTo("hello");
        assertThat(execution.get("retries").asInt()).isZero();
        assertThat(execution.get("host_requests").isArray()).isTrue();
        assertThat(Files.isDirectory(workDir.resolve(".capsule"))).isTrue();
    }

    @Test
    void secondRunSeesTheFirstOnesHistory() throws Exception {
        String firstId = capsule("run", "--json", TestModules.sample("hello/hello.wasm").toString()).json()
                .get("execution").get("task_id").asText();
        String secondId = capsule("run", "--json", TestModules.wasm("exit3.wasm").toString()).json()
                .get("execution").get("task_id").asText();

        CliOutcome history = capsule("history", "--json");
        assertThat(history.exitCode()).isZero();
        JsonNode tasks = history.json();
        assertThat(tasks).hasSize(2);
        assertThat(tasks.get(0).get("id").asText()).isEqualTo(secondId);
        assertThat(tasks.get(0).get("status").asText()).isEqualTo("FAILED");
        assertThat(tasks.get(1).get("id").asText()).isEqualTo(firstId);
        assertThat(tasks.get(1).get("result").asText()).isEqualTo("Hello, world!");

        CliOutcome one = capsule("history", firstId.substring(0, 13), "--json");
        assertThat(one.exitCode()).isZero();
        assertThat(one.json().get("task").get("id").asText()).isEqualTo(firstId);
        assertThat(one.json().get("attempts")).hasSize(1);
        assertThat(one.json().get("events")).hasSize(3);

        CliOutcome text = capsule("history", "--limit", "1");
        assertThat(text.out()).contains(secondId).doesNotContain(firstId);
    }

    @Test
    void sqlQueriesTheJournalAndRefusesWrites() throws Exception {
        capsule("run", TestModules.wasm("trap.wasm").toString());

        CliOutcome query = capsule("sql", "select t.name, a.error_type, a.error_message from tasks t join attempts a on a.task_id = t.id", "--json");
        assertThat(query.exitCode()).isZero();
        assertThat(query.json()).hasSize(1);
        assertThat(query.json().get(0).get("name").asText()).isEqualTo("trap");
        assertThat(query.json().get(0).get("error_type").asText()).isEqualTo("task_error");

        CliOutcome delete = capsule("sql", "delete from tasks");
        assertThat(delete.exitCode()).isEqualTo(1);
        assertThat(delete.err().strip()).isEqualTo("capsule: the journal is read-only here: 'DELETE' statements are not allowed (use SELECT)");
        assertThat(capsule("sql", "select count(*) as n from tasks", "--json").json().get(0).get("n").asInt()).isEqualTo(1);

        CliOutcome table = capsule("sql", "select name, status from tasks");
        assertThat(table.out()).contains("name").contains("trap").contains("FAILED").contains("(1 row)");
    }

    @Test
    void cancelReportsTheUnfinishedChildTasksItCancelled() throws Exception {
        String parent = capsule("submit", "--delay", "1h", TestModules.sample("hello/hello.wasm").toString()).out().strip();
        try (run.capsule.store.Journal journal = run.capsule.store.Journal.open(run.capsule.store.JournalConfig.embedded(workDir.resolve(".capsule")))) {
            String module = journal.tasks().find(parent).orElseThrow().moduleSha256();
            byte[] bytes = journal.modules().get(module).orElseThrow();
            for (String child : List.of("child-1", "child-2")) {
                journal.tasks().create(new run.capsule.store.NewTask(child, "hello", parent, module, 0, "{\"args\":[]}"), bytes);
            }
        }

        CliOutcome cancel = capsule("cancel", parent);
        assertThat(cancel.exitCode()).isZero();
        assertThat(cancel.out().strip()).isEqualTo("cancelled " + parent + " and 2 unfinished child tasks");
        CliOutcome again = capsule("cancel", parent);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err().strip()).isEqualTo("capsule: task " + parent + " has already ended (CANCELLED)");
        assertThat(capsule("sql", "select count(*) as n from tasks where status = 'CANCELLED'", "--json").json().get(0).get("n").asInt())
                .isEqualTo(3);
    }

    @Test
    void malformedFlagValuesAreUsageErrorsWithAFailedEnvelope() throws Exception {
        String hello = TestModules.sample("hello/hello.wasm").toString();
        for (List<String> flags : List.of(List.of("--ram", "12XB"), List.of("--timeout", "-5s"), List.of("--compute", "TURBO"),
                List.of("--max-retries", "many"), List.of("--mount", "does-not-exist"), List.of("--allow-host", "bad host!"),
                List.of("--env", "NOT_SET_ANYWHERE_42"))) {
            String[] args = Stream.concat(Stream.of("run", "--json"), Stream.concat(flags.stream(), Stream.of(hello))).toArray(String[]::new);
            CliOutcome run = capsule(args);
            assertThat(run.exitCode()).as(flags.toString()).isEqualTo(2);
            assertThat(run.err().strip().lines()).as(flags.toString()).hasSize(1);
            assertThat(run.err()).contains(flags.get(1)).doesNotContain("Exception").doesNotContain("\tat ");
            JsonNode envelope = run.json();
            assertThat(envelope.get("success").asBoolean()).isFalse();
            assertThat(envelope.get("error").get("error_type").asText()).isEqualTo("invalid_input");
        }
        assertThat(capsule("history", "--json").json()).isEmpty();
    }

    @Test
    void missingAndBrokenFilesGetOneLineAndNoStackTrace() throws Exception {
        Path text = Files.writeString(workDir.resolve("notes.txt"), "hello\n");
        CliOutcome missing = capsule("run", "nope.wasm");
        CliOutcome notWasm = capsule("run", "--json", text.toString());

        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.wasm: file not found").doesNotContain("Exception");
        assertThat(notWasm.exitCode()).isEqualTo(1);
        assertThat(notWasm.json().get("error").get("message").asText()).contains("notes.txt is not a WebAssembly module");
        assertThat(capsule("history", "--json").json()).isEmpty();
    }

    @Test
    void unknownOptionIsAUsageError() {
        CliOutcome run = capsule("run", "--turbo", "x.wasm");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--turbo");
    }

    @Test
    void argsFileAndEnvAndMountFlagsReachTheGuest() throws Exception {
        Files.writeString(workDir.resolve("args.json"), "[\"from file\", \"--dash\"]");
        CliOutcome args = capsule("run", "--json", "--args-file", "args.json", TestModules.wasm("probe.wasm").toString(), "args", "positional");
        assertThat(args.json().get("result").toString()).isEqualTo("[\"positional\",\"from file\",\"--dash\"]");

        CliOutcome env = capsule(Map.of("TOKEN", "t0k", "HOME", "/root"), "run", "--json", "--env", "TOKEN", "--env", "MODE=test",
                TestModules.wasm("probe.wasm").toString(), "env");
        assertThat(env.json().get("result").toString()).isEqualTo("[\"TOKEN=t0k\",\"MODE=test\"]");

        Files.createDirectories(workDir.resolve("data"));
        Files.writeString(workDir.resolve("data/msg.txt"), "mounted");
        CliOutcome mount = capsule("run", "--json", "--mount", "./data:ro", TestModules.wasm("probe.wasm").toString(), "cat", "/data/msg.txt");
        assertThat(mount.json().get("result").asText()).isEqualTo("mounted");
    }

    @Test
    void verboseStreamsLifecycleAndGuestStderr() {
        CliOutcome run = capsule("run", "--verbose", TestModules.sample("hello/hello.wasm").toString(), "Lin");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out().strip()).isEqualTo("Hello, Lin!");
        assertThat(run.err()).contains("[capsule] submitted hello as task")
                .contains("[capsule] attempt 1 started on runner")
                .contains("[guest] hello: greeting Lin")
                .contains("[capsule] attempt 1 finished SUCCEEDED");
    }

    @Test
    void capsuleTomlAndFlagsGiveIdenticalTaskConfigs() throws Exception {
        Files.createDirectories(workDir.resolve("data"));
        Files.copy(TestModules.wasm("probe.wasm"), workDir.resolve("probe.wasm"));
        Files.writeString(workDir.resolve(".env"), "# secrets\nAPI_KEY=\"from dotenv\"\nexport OTHER=x\n");
        CliOutcome byFlags = capsule("run", "--json", "--compute", "LOW", "--ram", "64MB", "--timeout", "20s", "--max-retries", "0",
                "--mount", "./data:ro", "--allow-host", "api.example.com", "--env", "API_KEY", "probe.wasm", "env");
        Files.writeString(workDir.resolve("capsule.toml"), """
                [workflow]
                name = "agent"
                version = "1.0.0"
                entrypoint = "probe.wasm"

                [tasks]
                default_compute = "LOW"
                default_ram = "64MB"
                default_timeout = "20s"
                default_max_retries = 0
                default_allowed_files = ["./data:ro"]
                default_allowed_hosts = ["api.example.com"]
                default_env_variables = ["API_KEY"]
                """);
        CliOutcome byToml = capsule("run", "--json", "--", "env");

        assertThat(byFlags.json().get("result").toString()).as(byFlags.out() + byFlags.err()).isEqualTo("[\"API_KEY=from dotenv\"]");
        assertThat(byToml.json().get("result").toString()).isEqualTo("[\"API_KEY=from dotenv\"]");
        JsonNode tasks = capsule("sql", "select config from tasks order by created_at", "--json").json();
        assertThat(tasks).hasSize(2);
        assertThat(JSON.readTree(tasks.get(1).get("config").asText())).isEqualTo(JSON.readTree(tasks.get(0).get("config").asText()));

        CliOutcome overridden = capsule("run", "--json", "--timeout", "5s", "--", "env");
        assertThat(overridden.exitCode()).isZero();
        assertThat(capsule("sql", "select config from tasks order by created_at desc", "--json").json().get(0).get("config").asText())
                .contains("\"timeout_ms\":5000");
    }

    @Test
    void anInvalidCapsuleTomlNamesTheKey() throws Exception {
        Files.writeString(workDir.resolve("capsule.toml"), "[tasks]\ndefault_timeuot = \"5s\"\n");
        CliOutcome run = capsule("run", "--json", TestModules.sample("hello/hello.wasm").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("capsule.toml: unknown key tasks.default_timeuot");
        assertThat(run.json().get("error").get("error_type").asText()).isEqualTo("invalid_input");

        Files.writeString(workDir.resolve("capsule.toml"), "[tasks]\ndefault_max_retries = \"three\"\n");
        assertThat(capsule("run", TestModules.sample("hello/hello.wasm").toString()).err())
                .contains("tasks.default_max_retries must be a whole number");
    }

    /** The CLI adds only the subcommand a command line names; help and the other commands still see all of them. */
    @Test
    void helpListsEveryCommandAndEachCommandStillParses() {
        CliOutcome help = capsule("--help");
        assertThat(help.exitCode()).isZero();
        for (String command : List.of("run", "build", "submit", "worker", "status", "wait", "cancel", "schedule", "history", "sql", "prune",
                "export", "nodes", "drain", "migrate")) {
            assertThat(help.out()).containsPattern("(?m)^ +" + command + " ");
        }
        CliOutcome runHelp = capsule("--db", "jdbc:h2:mem:help", "run", "--help");
        assertThat(runHelp.exitCode()).isZero();
        assertThat(runHelp.out()).contains("Usage: capsule run").contains("--compute").contains("--db");
        assertThat(capsule("status", "--help").out()).contains("Usage: capsule status");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
