package io.grow4j.train;

/**
 * Turns a document's text into the token ids a model is trained on: the byte-level default ({@link ByteTokenizer})
 * or a model's own tokenizer.json ({@link HfTokenizer}).
 */
public sealed interface Tokenizer extends AutoCloseable permits ByteTokenizer, HfTokenizer {
    /** The document's ids, with whatever marks the tokenizer puts around a document (BOS/EOS, [CLS]/[SEP]). */
    int[] encode(String document);

    /** One more than the largest id {@link #encode} can return: the least vocabulary a model trained on it needs. */
    int vocabularySize();

    /** For messages: which tokenizer this is ("the byte tokenizer", "tokenizer FILE"). */
    String describe();

    /**
     * What a checkpoint records to tell tokenizers apart wherever their files lie: "bytes", or the SHA-256 of a
     * tokenizer.json's bytes.
     */
    String identity();

    /** Releases what the tokenizer holds outside the heap (the byte tokenizer holds nothing). */
    @Override
    default void close() {
    }
}
