package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finding 8 of issue #11: a Python task whose task name, error message, result and stderr carry {@code \r},
 * {@code ESC[2K}, an OSC title sequence, a C1 CSI and a bidi override printed a fake "✓ succeeded" line and set the
 * terminal title through {@code capsule run} and {@code capsule history}. Every human-readable command now prints
 * them as visible escapes.
 */
class GuestTextCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NASTY = "\\r\\x1b[2K\\x1b]0;pwned\\x07\\u202e\\u009b\\x7f✓ main succeeded in 1 ms";

    @TempDir
    Path workDir;

    record Outcome(String command, int exitCode, String out, String err) {
    }

    private final List<Outcome> outcomes = new ArrayList<>();

    private Outcome capsule(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new CapsuleCli(workDir, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).execute(args);
        Outcome outcome = new Outcome(String.join(" ", args), code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        outcomes.add(outcome);
        return outcome;
    }

    @BeforeEach
    void writeTheSource() throws Exception {
        Files.writeString(workDir.resolve("nasty.py"), "import sys\nfrom capsule import task\n\n"
                + "NASTY = '" + NASTY + "'\n\n"
                + "@task(name='child\\x1b]0;pwned\\x07\\r\\x1b[2K')\ndef child():\n    return NASTY\n\n"
                + "@task(name='main')\ndef main(mode):\n"
                + "    sys.stderr.write('err ' + NASTY + '\\nsecond line ' + NASTY + '\\n')\n"
                + "    print('out ' + NASTY)\n"
                + "    envelope = child()\n"
                + "    if mode == 'fail':\n        raise ValueError(NASTY)\n"
                + "    return envelope['result']\n");
    }

    @Test
    void noRawControlCharacterReachesTheTerminalFromAnyCommand() throws Exception {
        Outcome failed = capsule("run", "-v", "nasty.py", "fail");
        Outcome succeeded = capsule("run", "-v", "nasty.py", "ok");
        assertThat(failed.exitCode()).as(failed.err()).isEqualTo(1);
        assertThat(succeeded.exitCode()).as(succeeded.err()).isZero();

        capsule("history");
        List<String> ids = new ArrayList<>();
        for (JsonNode task : JSON.readTree(capsule("history", "--json").out())) {
            ids.add(task.get("id").asText());
        }
        assertThat(ids).hasSize(4);
        for (String id : ids) {
            capsule("history", id, "--tree");
            capsule("wait", id);
            capsule("status", id);
        }
        capsule("sql", "select name, result, error_message from tasks");

        for (Outcome o : outcomes) {
            assertThat(raw(o.out())).as("stdout of capsule %s:%n%s", o.command(), o.out()).isEmpty();
            assertThat(raw(o.err())).as("stderr of capsule %s:%n%s", o.command(), o.err()).isEmpty();
        }
        String escaped = "\\r\\x1b[2K\\x1b]0;pwned\\x07\\u202e\\x9b\\x7f✓ main succeeded";
        assertThat(failed.err()).contains("✗ nasty failed: task_error: ValueError: " + escaped)
                .contains("[guest] err " + escaped).contains("[guest] second line " + escaped);
        assertThat(failed.err().lines().filter(l -> l.startsWith("✓"))).isEmpty();
        assertThat(succeeded.out().strip()).isEqualTo(escaped + " in 1 ms");
        String all = String.join("\n", outcomes.stream().map(o -> o.out() + o.err()).toList());
        assertThat(all).contains("child\\x1b]0;pwned\\x07\\r\\x1b[2K");
    }

    /** The characters a terminal would act on; newlines and tabs of multi-line output are allowed. */
    private static List<String> raw(String text) {
        return text.chars().filter(c -> TerminalText.needsEscape((char) c, true)).mapToObj(c -> String.format("U+%04X", c)).toList();
    }
}
