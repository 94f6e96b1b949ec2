package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.engine.TestModules;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** capsule sql for people and tools (issue 17 item 5): formats, the note when rows are cut, --verbose, cancellation. */
class SqlFormatsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    private CliOutcome capsule(String... args) {
        return CliOutcome.run(workDir, Map.of(), args);
    }

    @Test
    void csvJsonlTruncationAndTiming() throws Exception {
        capsule("run", TestModules.sample("hello/hello.wasm").toString());
        capsule("run", TestModules.sample("hello/hello.wasm").toString(), "Ada");
        String query = "SELECT name, status, result, error_type FROM tasks ORDER BY created_at";

        CliOutcome csv = capsule("sql", "--format", "csv", query);
        assertThat(csv.exitCode()).as(csv.err()).isZero();
        assertThat(csv.out()).isEqualTo("name,status,result,error_type\r\n"
                + "hello,SUCCEEDED,\"\"\"Hello, world!\"\"\",\r\n"
                + "hello,SUCCEEDED,\"\"\"Hello, Ada!\"\"\",\r\n");

        CliOutcome jsonl = capsule("sql", "--format", "jsonl", "--verbose", query);
        List<String> lines = jsonl.out().strip().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines.get(1)).get("result").asText()).isEqualTo("\"Hello, Ada!\"");
        assertThat(JSON.readTree(lines.get(0)).get("error_type").isNull()).isTrue();
        assertThat(jsonl.err()).matches("(?s)capsule: 2 rows in \\d+ ms\\R");

        CliOutcome cut = capsule("sql", "--format", "json", "--max-rows", "1", query);
        assertThat(JSON.readTree(cut.out())).hasSize(1);
        assertThat(cut.err()).contains("output stopped at 1 rows (--max-rows)");

        assertThat(capsule("sql", query).out()).contains("(2 rows)");
    }

    @Test
    void aQueryThatRunsTooLongIsCancelledWithOneLine() {
        CliOutcome slow = capsule("sql", "--timeout", "500ms", "SELECT COUNT(*) FROM information_schema.columns a, "
                + "information_schema.columns b, information_schema.columns c, information_schema.columns d");

        assertThat(slow.exitCode()).isEqualTo(CapsuleCli.FAILED);
        assertThat(slow.err().strip().lines()).containsExactly("capsule: query cancelled: it ran longer than 500 ms (the query time limit)");
    }

    @Test
    void anUnknownFormatIsAUsageError() {
        CliOutcome bad = capsule("sql", "--format", "xml", "SELECT 1");

        assertThat(bad.exitCode()).isEqualTo(CapsuleCli.USAGE);
        assertThat(bad.err().strip()).isEqualTo("capsule: invalid --format value 'xml': use table, json, jsonl or csv");
    }
}
