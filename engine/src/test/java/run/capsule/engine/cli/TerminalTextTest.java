package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Finding 8 of issue #11: no control character or bidi override of a guest's text reaches a terminal raw. */
class TerminalTextTest {
    @Test
    void everyC0AndC1ControlAndDelBecomesAVisibleEscape() {
        for (char c = 0; c <= 0x9F; c++) {
            String text = "a" + c + "b";
            String line = TerminalText.line(text);
            String block = TerminalText.block(text);
            boolean control = c < 0x20 || c >= 0x7F;
            if (!control) {
                assertThat(line).as("U+%04X", (int) c).isEqualTo(text);
                assertThat(block).as("U+%04X", (int) c).isEqualTo(text);
                continue;
            }
            assertThat(line).as("U+%04X in a line", (int) c).doesNotContain(String.valueOf(c)).startsWith("a\\").endsWith("b");
            assertThat(line.chars()).as("U+%04X in a line", (int) c).allMatch(ch -> ch >= 0x20 && ch < 0x7F);
            if (c == '\n' || c == '\t') {
                assertThat(block).as("U+%04X is kept in a block", (int) c).isEqualTo(text);
            } else {
                assertThat(block).as("U+%04X in a block", (int) c).isEqualTo(line);
            }
        }
    }

    @Test
    void escapesNameTheCharacter() {
        assertThat(TerminalText.line("\u001b]0;pwned\u0007")).isEqualTo("\\x1b]0;pwned\\x07");
        assertThat(TerminalText.line("x\r\n\ty")).isEqualTo("x\\r\\n\\ty");
        assertThat(TerminalText.block("x\r\n\ty")).isEqualTo("x\\r\n\ty");
        assertThat(TerminalText.line("\u007f\u0080\u009b\u0000")).isEqualTo("\\x7f\\x80\\x9b\\x00");
        assertThat(TerminalText.line(null)).isEqualTo("null");
        assertThat(TerminalText.line("plain ✓ text \\x1b")).isEqualTo("plain ✓ text \\x1b");
    }

    @Test
    void bidiEmbeddingsOverridesAndIsolatesAreEscaped() {
        for (char c = 0x2000; c <= 0x206F; c++) {
            boolean bidi = (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
            String escaped = TerminalText.line("a" + c);
            if (bidi) {
                assertThat(escaped).as("U+%04X", (int) c).isEqualTo("a" + String.format("\\u%04x", (int) c));
            } else {
                assertThat(escaped).as("U+%04X", (int) c).isEqualTo("a" + c);
            }
        }
    }

    @Test
    void jsonOutputEscapesDelC1AndBidiAndReadsBackTheSame() throws Exception {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c <= 0x9F; c++) {
            all.append(c);
        }
        all.append("\u202e\u2066 ✓");
        String json = Json.write(Map.of("text", all.toString()));

        assertThat(json.chars().filter(ch -> TerminalText.needsEscape((char) ch, false)).count()).isZero();
        assertThat(new ObjectMapper().readTree(json).get("text").asText()).isEqualTo(all.toString());
    }
}
