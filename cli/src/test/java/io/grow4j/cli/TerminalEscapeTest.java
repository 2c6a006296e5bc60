package io.grow4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Strings from files never reach the terminal raw: a GGUF whose tensor name or metadata string holds ESC sequences and
 * newlines cannot move the cursor, recolour the terminal or forge a line such as "wrote ..." (issue 8, fault 7).
 */
class TerminalEscapeTest {
    /** Same length as "output_norm.weight" (18 bytes): cursor up, carriage return, newline and a forged line. */
    private static final String HOSTILE_TENSOR = "\u001b[1A\r\nwrote x gguf";
    /** Same length as "llama" (5 bytes): cursor up and a newline. */
    private static final String HOSTILE_ARCHITECTURE = "\u001b[1A\n";

    @TempDir
    static Path dir;
    static byte[] gguf;

    @BeforeAll
    static void convertStories() throws IOException {
        Path file = dir.resolve("stories.gguf");
        Cli convert = Cli.run("convert", Stories.shaped().toString(), file.toString());
        assertEquals(0, convert.exitCode(), convert.err());
        gguf = Files.readAllBytes(file);
    }

    @Test
    void aTensorNameWithEscapeSequencesIsPrintedEscaped() throws IOException {
        Path hostile = patched("tensor.gguf", "output_norm.weight", HOSTILE_TENSOR, 0);
        for (Cli run : List.of(Cli.run("inspect", hostile.toString()), grow(hostile))) {
            assertEquals(2, run.exitCode(), run.out() + run.err());
            assertClean(run);
            assertTrue(run.err().contains("\\x1b[1A\\r\\nwrote x gguf"), "the name, escaped, in: " + run.err());
            // the message's own layout (one problem per indented line) is kept, not escaped into one line
            assertTrue(run.err().lines().anyMatch(l -> l.startsWith("  missing output_norm.weight")), run.err());
            assertFalse(run.err().contains("\\n  "), "the problems' line breaks escaped: " + run.err());
        }
    }

    @Test
    void aMetadataStringWithEscapeSequencesIsPrintedEscaped() throws IOException {
        Path hostile = patched("architecture.gguf", "llama", HOSTILE_ARCHITECTURE, 0);
        Cli run = Cli.run("inspect", hostile.toString());
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertClean(run);
        assertTrue(run.err().contains("\\x1b[1A\\n"), "the architecture, escaped, in: " + run.err());
    }

    /** inspect's own output: a model path with controls in it stays on the "model" line. */
    @Test
    void inspectOutputIsEscaped() throws IOException {
        Path odd = Files.createDirectories(dir.resolve("a\u001b[31m\nwrote b\u202e"));
        Path model = Files.write(odd.resolve("stories.gguf"), gguf);
        Cli run = Cli.run("inspect", model.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertClean(run);
        assertEquals(1, run.out().lines().filter(l -> l.contains("wrote")).count(), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("model ") && l.contains("a\\x1b[31m\\nwrote b\\u202e")),
                run.out());
    }

    @Test
    void everyKindOfControlCharacterIsEscaped() {
        assertEquals("a\\x00b\\x07\\x1b[2J\\x7f\\u0085\\u009b31m",
                TerminalText.escape("a\0b\u0007\u001b[2J\u007f\u0085\u009b31m"));
        assertEquals("\\u202eabc\\u202c \\u2066x\\u2069 \\u200f \\u061c",
                TerminalText.escape("\u202eabc\u202c \u2066x\u2069 \u200f \u061c"));
        assertEquals("one\\ntwo\\r\\u2028three\\u2029\\t", TerminalText.escape("one\ntwo\r\u2028three\u2029\t"));
        assertEquals("plain text, ü and 中文 and C:\\path",
                TerminalText.escape("plain text, ü and 中文 and C:\\path"));
        assertEquals("table\n\trow\\x1b[0m", TerminalText.escapeKeepingLines("table\n\trow\u001b[0m"));
    }

    /** Every way a command prints: println, print, printf (arguments escaped whole, the format's %n kept). */
    @Test
    void theWriterEscapesEveryPath() {
        StringWriter text = new StringWriter();
        PrintWriter out = TerminalWriter.wrap(new PrintWriter(text));
        out.println("note: \u001b[2Kname\nwrote x");
        out.printf("wrote %s: %,d parameters%n", Path.of("a\nwrote b"), 1234);
        out.print("help\nline\u001b[1m\n");
        out.println(new StringBuilder("\u009b"));
        out.flush();
        assertEquals("note: \\x1b[2Kname\\nwrote x\nwrote a\\nwrote b: 1,234 parameters\nhelp\nline\\x1b[1m\n\\u009b\n",
                text.toString());
    }

    private static Cli grow(Path model) throws IOException {
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "steps:\n  - mlp: {size: 256}\n");
        return Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out",
                dir.resolve("out.gguf").toString());
    }

    /** No raw control, bidi or separator character anywhere in what was printed, newlines ending lines aside. */
    private static void assertClean(Cli run) {
        for (String stream : List.of(run.out(), run.err())) {
            for (String line : stream.lines().toList()) {
                for (char c : line.toCharArray()) {
                    assertFalse(TerminalText.unsafe(c, false), "raw U+" + Integer.toHexString(c) + " in: " + line);
                }
            }
            assertFalse(stream.contains("\r"), stream);
        }
        assertFalse(run.out().lines().anyMatch(l -> l.startsWith("wrote")), "a forged 'wrote' line: " + run.out());
        assertFalse(run.err().lines().anyMatch(l -> l.startsWith("wrote")), "a forged 'wrote' line: " + run.err());
    }

    /** The GGUF with the {@code occurrence}-th (0-based) {@code from} replaced by {@code to} of the same length. */
    private static Path patched(String name, String from, String to, int occurrence) throws IOException {
        byte[] needle = from.getBytes(StandardCharsets.UTF_8);
        byte[] replacement = to.getBytes(StandardCharsets.UTF_8);
        assertEquals(needle.length, replacement.length);
        byte[] bytes = gguf.clone();
        int found = -1;
        for (int i = 0, seen = 0; i <= bytes.length - needle.length && found < 0; i++) {
            if (Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length) && seen++ == occurrence) {
                found = i;
            }
        }
        assertTrue(found >= 0, from + " not found");
        System.arraycopy(replacement, 0, bytes, found, replacement.length);
        return Files.write(dir.resolve(name), bytes);
    }
}
