package io.grow4j.cli;

/**
 * Makes text from files and command lines safe to print on a terminal. A tensor name, a GGUF metadata string or a
 * path can hold ESC sequences (which move the cursor, recolour or retitle the terminal), carriage returns and
 * newlines (which overwrite or forge lines such as "wrote ..."), and Unicode bidi overrides and line separators
 * (which reorder or break what is displayed). Each such character is shown as a visible escape instead:
 * {@code \n}, {@code \r}, {@code \t}, {@code \x1b} for the other C0 controls and DEL, and a backslash, "u" and
 * four hex digits (as in Java) for C1 controls and the bidi and separator characters. Backslashes are kept as they are: paths are not worth mangling,
 * and an escaped form can only ever stand for itself or for the character it names, never execute.
 */
final class TerminalText {
    private TerminalText() {
    }

    /** {@code text} with every control, bidi or separator character escaped, newlines included: one line. */
    static String escape(String text) {
        return escape(text, false);
    }

    /**
     * Like {@link #escape(String)}, but newlines (and tabs) are kept: for text the program lays out itself (help,
     * tables), where only the characters that drive the terminal must go.
     */
    static String escapeKeepingLines(String text) {
        return escape(text, true);
    }

    private static String escape(String text, boolean keepLines) {
        int first = firstUnsafe(text, keepLines);
        if (first < 0) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!unsafe(c, keepLines)) {
                sb.append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x80) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }

    private static int firstUnsafe(String text, boolean keepLines) {
        for (int i = 0; i < text.length(); i++) {
            if (unsafe(text.charAt(i), keepLines)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * C0 controls and DEL (ECMA-48), C1 controls (U+0080..U+009F, e.g. CSI U+009B, which some terminals honour like
     * ESC [), the bidi embeddings, overrides, isolates and marks of Unicode's UAX #9 (U+061C, U+200E, U+200F,
     * U+202A..U+202E, U+2066..U+2069), and the line and paragraph separators U+2028, U+2029.
     */
    static boolean unsafe(char c, boolean keepLines) {
        if (keepLines && (c == '\n' || c == '\t')) {
            return false;
        }
        return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
    }
}
