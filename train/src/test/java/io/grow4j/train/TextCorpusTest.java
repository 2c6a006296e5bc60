package io.grow4j.train;

import org.junit.jupiter.api.Test;

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

    private static int[] concat(int[] a, int[] b) {
        int[] c = new int[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
