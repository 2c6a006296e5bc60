package io.grow4j.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A plain UTF-8 text split by document into a training and a validation token stream, tokenised document by document
 * (byte-level unless a {@link Tokenizer} is given). Documents are the text's blocks between blank lines (Brown's
 * documents, the paragraphs of a novel); every {@code validationEvery}-th document goes to validation, so both parts
 * sample the whole text and no document is in both.
 *
 * @param vocabularySize the tokenizer's ({@link Tokenizer#vocabularySize}): every id is below it
 */
public record TextCorpus(int[] train, int[] validation, int vocabularySize) {
    private static final Pattern BLANK_LINES = Pattern.compile("\\R\\s*\\R");

    /** Byte-level streams. */
    public TextCorpus(int[] train, int[] validation) {
        this(train, validation, ByteTokenizer.VOCAB_SIZE);
    }

    public static TextCorpus read(Path file, int validationEvery, int context) throws IOException {
        return read(file, ByteTokenizer.INSTANCE, validationEvery, context);
    }

    /**
     * The file's text, tokenised. IllegalArgumentException naming the file when it is not UTF-8 (with the byte
     * offset) or too short ({@link #split}).
     */
    public static TextCorpus read(Path file, Tokenizer tokenizer, int validationEvery, int context)
            throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text (" + firstBadByte(bytes) + ")", e);
        }
        try {
            return split(text, tokenizer, validationEvery, context);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static TextCorpus split(String text, int validationEvery, int context) {
        return split(text, ByteTokenizer.INSTANCE, validationEvery, context);
    }

    /** Fails when either part is shorter than one window of context + 1 tokens. */
    public static TextCorpus split(String text, Tokenizer tokenizer, int validationEvery, int context) {
        if (validationEvery < 2) {
            throw new IllegalArgumentException("validationEvery must be >= 2, got " + validationEvery);
        }
        List<int[]> train = new ArrayList<>();
        List<int[]> validation = new ArrayList<>();
        int index = 0;
        for (String document : BLANK_LINES.split(text)) {
            if (document.isBlank()) {
                continue;
            }
            index++;
            (index % validationEvery == 0 ? validation : train).add(tokenizer.encode(document.strip()));
        }
        TextCorpus corpus = new TextCorpus(concat(train), concat(validation), tokenizer.vocabularySize());
        List<String> problems = new ArrayList<>();
        if (corpus.train.length <= context) {
            problems.add("training part has " + corpus.train.length + " tokens, needs more than the context "
                    + context);
        }
        if (corpus.validation.length <= context) {
            problems.add("validation part has " + corpus.validation.length + " tokens (" + validation.size()
                    + " documents), needs more than the context " + context);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("corpus too short: " + String.join("; ", problems));
        }
        return corpus;
    }

    /** Where the first byte that is not UTF-8 sits, for the message. */
    private static String firstBadByte(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        return result.isError() ? "byte offset " + in.position() + ": 0x"
                + String.format("%02x", bytes[in.position()] & 0xff) : "a malformed sequence";
    }

    private static int[] concat(List<int[]> parts) {
        int total = 0;
        for (int[] p : parts) {
            total += p.length;
        }
        int[] all = new int[total];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
