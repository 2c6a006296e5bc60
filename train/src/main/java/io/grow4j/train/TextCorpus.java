package io.grow4j.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A plain UTF-8 text split by document into a training and a validation token stream, byte-tokenised. Documents are
 * the text's blocks between blank lines (Brown's documents, the paragraphs of a novel); every
 * {@code validationEvery}-th document goes to validation, so both parts sample the whole text and no document is in
 * both.
 */
public record TextCorpus(int[] train, int[] validation) {
    private static final Pattern BLANK_LINES = Pattern.compile("\\R\\s*\\R");

    public static TextCorpus read(Path file, int validationEvery, int context) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return split(text, validationEvery, context);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Fails when either part is shorter than one window of context + 1 tokens. */
    public static TextCorpus split(String text, int validationEvery, int context) {
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
            (index % validationEvery == 0 ? validation : train).add(ByteTokenizer.encodeDocument(document.strip()));
        }
        TextCorpus corpus = new TextCorpus(concat(train), concat(validation));
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
