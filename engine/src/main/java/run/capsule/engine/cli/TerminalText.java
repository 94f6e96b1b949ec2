package run.capsule.engine.cli;

/**
 * Makes text that a guest or a source supplied safe to print on a terminal: control characters and bidi overrides
 * become visible escapes, so that a message cannot move the cursor, erase lines, set the window title or reorder
 * what follows it.
 *
 * <p>Escaped: C0 controls U+0000–U+001F, DEL U+007F, C1 controls U+0080–U+009F, the bidi embeddings and overrides
 * U+202A–U+202E and the bidi isolates U+2066–U+2069. {@code \n}, {@code \r} and {@code \t} print as those two
 * characters, the other controls as {@code \xNN}, the bidi characters as backslash, {@code u} and four hex digits. Backslashes are left as they
 * are, so the escaping is for reading, not for parsing back.
 */
final class TerminalText {
    private TerminalText() {
    }

    /** One-line fields (names, error messages, targets, reasons, table cells): every control is escaped, newlines too. */
    static String line(String text) {
        return escape(text, false);
    }

    /**
     * Multi-line guest output (a text result, a line of guest stderr): newlines and tabs are kept, every other control
     * is escaped. A guest can still print what looks like another line of its own output, but nothing that rewrites
     * or hides what is already on the terminal.
     */
    static String block(String text) {
        return escape(text, true);
    }

    /** The text with {@code null} printed as "null", as string concatenation would. */
    private static String escape(String text, boolean keepLines) {
        if (text == null) {
            return "null";
        }
        int i = 0;
        while (i < text.length() && !needsEscape(text.charAt(i), keepLines)) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c, keepLines)) {
                sb.append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c <= 0xFF) {
                sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }

    static boolean needsEscape(char c, boolean keepLines) {
        if (keepLines && (c == '\n' || c == '\t')) {
            return false;
        }
        return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    }
}
