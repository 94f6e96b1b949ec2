package run.capsule.engine.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.OffsetDateTime;

/**
 * JSON output of the command line. Besides the controls below U+0020 that JSON always escapes, DEL, the C1 controls and
 * the bidi overrides are written as JSON escapes too (the same characters {@link TerminalText} escapes), so that
 * printing a guest's text as JSON on a terminal is as safe as the human-readable output; a JSON reader sees the same
 * strings.
 */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    static {
        MAPPER.getFactory().setCharacterEscapes(new TerminalSafeEscapes());
    }

    private static final class TerminalSafeEscapes extends CharacterEscapes {
        private final int[] asciiEscapes = CharacterEscapes.standardAsciiEscapesForJSON();

        TerminalSafeEscapes() {
            asciiEscapes[0x7F] = CharacterEscapes.ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return asciiEscapes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return TerminalText.needsEscape((char) ch, false) ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static String time(OffsetDateTime t) {
        return t == null ? null : t.toInstant().toString();
    }
}
