package io.grow4j.train;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level tokens: the 256 byte values of the UTF-8 text, then BOS (256) and EOS (257) around each document. Any
 * text round-trips; a model needs a vocabulary of at least {@link #VOCAB_SIZE}.
 */
public final class ByteTokenizer implements Tokenizer {
    /** The byte tokenizer as a {@link Tokenizer}: the default when a run has no tokenizer.json. */
    public static final ByteTokenizer INSTANCE = new ByteTokenizer();
    public static final int BOS = 256;
    public static final int EOS = 257;
    public static final int VOCAB_SIZE = 258;

    private ByteTokenizer() {
    }

    @Override
    public int[] encode(String document) {
        return encodeDocument(document);
    }

    @Override
    public int vocabularySize() {
        return VOCAB_SIZE;
    }

    @Override
    public String identity() {
        return "bytes";
    }

    @Override
    public String describe() {
        return "the byte tokenizer";
    }

    /** BOS, the document's UTF-8 bytes (0..255), EOS. */
    public static int[] encodeDocument(String document) {
        byte[] bytes = document.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[bytes.length + 2];
        tokens[0] = BOS;
        for (int i = 0; i < bytes.length; i++) {
            tokens[i + 1] = bytes[i] & 0xff;
        }
        tokens[bytes.length + 1] = EOS;
        return tokens;
    }

    /** The text of byte tokens; BOS and EOS are dropped. */
    public static String decode(int[] tokens) {
        byte[] bytes = new byte[tokens.length];
        int n = 0;
        for (int t : tokens) {
            if (t < 0 || t >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token " + t + " outside the byte vocabulary of " + VOCAB_SIZE);
            }
            if (t < 256) {
                bytes[n++] = (byte) t;
            }
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }
}
