package io.grow4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextCorpusTest {
    @Test
    void documentsSplitByBlankLinesEveryNthToValidation() {
        TextCorpus corpus = TextCorpus.split("one\nstill one\n\n\ntwo\n \nthree\n\nfour é", 2, 3);
        assertArrayEquals(concat(ByteTokenizer.encodeDocument("one\nstill one"),
                ByteTokenizer.encodeDocument("three")), corpus.train());
        assertArrayEquals(concat(ByteTokenizer.encodeDocument("two"), ByteTokenizer.encodeDocument("four é")),
                corpus.validation());
    }

    @Test
    void bytesRoundTripWithBosAndEos() {
        int[] tokens = ByteTokenizer.encodeDocument("Miss Bates — é");
        assertEquals(ByteTokenizer.BOS, tokens[0]);
        assertEquals(ByteTokenizer.EOS, tokens[tokens.length - 1]);
        assertEquals("Miss Bates — é", ByteTokenizer.decode(tokens));
    }

    @Test
    void tooShortCorpusNamesBothParts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextCorpus.split("only one document", 2, 64));
        assertTrue(e.getMessage().contains("training part has 19 tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("validation part has 0 tokens"), e.getMessage());
    }

    /** Named with the first bad byte's offset, not Java's "Input length = 1". */
    @Test
    void aFileThatIsNotUtf8IsNamedWithTheOffset(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("latin1.txt"), "caf\u00e9 au lait".getBytes(StandardCharsets.ISO_8859_1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.read(file, 2, 4));
        assertEquals(file + ": not UTF-8 text (byte offset 3: 0xe9)", e.getMessage());
    }

    @Test
    void anEmptyCorpusIsTooShort() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.split("\n\n", 2, 8));
        assertEquals("corpus too short: training part has 0 tokens, needs more than the context 8; validation part"
                + " has 0 tokens (0 documents), needs more than the context 8", e.getMessage());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = new int[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
