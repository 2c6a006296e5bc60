package io.grow4j.train;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A model's own tokenizer.json, run by the Hugging Face tokenizers library through DJL's binding
 * ({@code ai.djl.huggingface:tokenizers}, whose jar carries the native library: it loads without a network). Each
 * document gets the tokenizer's own special tokens (its post-processor: Llama's BOS, BERT's [CLS] ... [SEP], none for
 * GPT-2). Training reads whole documents, so the truncation and padding a tokenizer.json may configure for inference
 * are turned off: a document is never cut at 128 tokens nor padded to it.
 */
public final class HfTokenizer implements Tokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final String identity;
    private final int vocabularySize;
    private final HuggingFaceTokenizer tokenizer;

    private HfTokenizer(Path file, String identity, int vocabularySize, HuggingFaceTokenizer tokenizer) {
        this.file = file;
        this.identity = identity;
        this.vocabularySize = vocabularySize;
        this.tokenizer = tokenizer;
    }

    /**
     * Loads {@code file}. IllegalArgumentException naming the file when it is missing or unreadable, not JSON, has
     * no {@code model.vocab}, or is refused by the tokenizers library (with its reason).
     */
    public static HfTokenizer load(Path file) {
        JsonNode root;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
            root = JSON.readTree(bytes);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("tokenizer " + file + ": no such file", e);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("tokenizer " + file + ": not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("tokenizer " + file + ": cannot be read (" + e + ")", e);
        }
        int size = vocabularySize(file, root);
        try {
            // from the bytes just hashed, so the identity a checkpoint records is of what was loaded
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes),
                    Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"));
            return new HfTokenizer(file, "sha256:" + sha256(bytes), size, tokenizer);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("tokenizer " + file + ": the tokenizers library cannot read it: "
                    + e.getMessage(), e);
        }
    }

    /**
     * One more than the largest id in {@code model.vocab} (a name-to-id object in BPE, WordPiece and WordLevel; a list
     * of [piece, score] whose index is the id in Unigram) and in {@code added_tokens}. The library's binding has no
     * call for it, and a model's vocabulary must hold every id (transformers' vocab_size may exceed it: padding rows).
     */
    static int vocabularySize(Path file, JsonNode root) {
        JsonNode vocab = root.path("model").path("vocab");
        int largest = -1;
        if (vocab.isObject()) {
            for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
                largest = Math.max(largest, id.asInt(-1));
            }
        } else if (vocab.isArray()) {
            largest = vocab.size() - 1;
        } else {
            throw new IllegalArgumentException("tokenizer " + file + ": no model.vocab (not a Hugging Face"
                    + " tokenizer.json)");
        }
        for (JsonNode added : root.path("added_tokens")) {
            largest = Math.max(largest, added.path("id").asInt(-1));
        }
        return largest + 1;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public int[] encode(String document) {
        long[] ids = tokenizer.encode(document).getIds();
        int[] tokens = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            tokens[i] = Math.toIntExact(ids[i]);
        }
        return tokens;
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public String describe() {
        return "tokenizer " + file;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
