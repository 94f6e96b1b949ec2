package run.capsule.engine.cli;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hand-off protocol's lines: one JSON object a line, whatever the strings hold. */
class JsonLineTest {
    @Test
    void stringsArraysAndObjectsRoundTripOnOneLine() {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("argv", List.of("run", "--name", "a \"b\"\\c", "line\nbreak\ttab\r\u0000\u007f\u2028", "✓ ünï €"));
        frame.put("env", Map.of("K", "v=1;x", "EMPTY", ""));
        frame.put("exit", 2L);
        frame.put("neg", -7L);
        frame.put("ok", true);
        String line = JsonLine.write(frame);
        assertThat(line).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u2028");
        assertThat(JsonLine.read(line)).isEqualTo(frame);
        assertThat(JsonLine.read(" {\"a\" : [ ] , \"b\" : { } } ")).isEqualTo(Map.of("a", List.of(), "b", Map.of()));
    }

    @Test
    void anythingButOneObjectIsRefused() {
        for (String bad : new String[] {"", "[]", "\"x\"", "{\"a\":1} x", "{\"a\":\"\\q\"}", "{\"a\":\"open", "{a:1}", "{\"a\":1.5}"}) {
            assertThatThrownBy(() -> JsonLine.read(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theCommandLineSaysWhichJournalAndCommand() {
        assertThat(HandOffAddress.subcommand(new String[] {"--db", "jdbc:h2:file:/x/j", "run", "a.wasm"})).isEqualTo("run");
        assertThat(HandOffAddress.subcommand(new String[] {"--db=jdbc:h2:file:/x/j", "submit"})).isEqualTo("submit");
        assertThat(HandOffAddress.subcommand(new String[] {"--help", "run"})).isNull();
        assertThat(HandOffAddress.dbUrl(new String[] {"run", "--db", "u1"}, Map.of("CAPSULE_DB_URL", "u2"))).isEqualTo("u1");
        assertThat(HandOffAddress.dbUrl(new String[] {"run", "a.wasm", "--", "--db", "u1"}, Map.of("CAPSULE_DB_URL", "u2"))).isEqualTo("u2");
        assertThat(HandOffAddress.dbUrl(new String[] {"run"}, Map.of("CAPSULE_DB_URL", " "))).isNull();
        java.nio.file.Path cwd = java.nio.file.Path.of("/work/p");
        assertThat(HandOffAddress.journalFile(null, cwd)).contains(java.nio.file.Path.of("/work/p/.capsule/journal"));
        assertThat(HandOffAddress.journalFile("jdbc:h2:file:./j/journal;AUTO_SERVER=TRUE", cwd)).contains(java.nio.file.Path.of("/work/p/j/journal"));
        assertThat(HandOffAddress.journalFile("jdbc:h2:file:~/j", cwd)).isEmpty();
        assertThat(HandOffAddress.journalFile("jdbc:postgresql://db/capsule", cwd)).isEmpty();
        assertThat(HandOffAddress.journalFile("jdbc:h2:mem:x", cwd)).isEmpty();
    }
}
