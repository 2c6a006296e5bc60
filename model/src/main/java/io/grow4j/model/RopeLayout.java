package io.grow4j.model;

/**
 * Where the two dims of rotary pair i sit inside a head of size d. Converting between layouts permutes the rows of
 * Q and K within each head.
 */
public enum RopeLayout {
    /** Pairs (2i, 2i+1): llama2.c, Meta's original checkpoints, GGUF. */
    INTERLEAVED,
    /** Pairs (i, i + d/2): Hugging Face Llama, Mistral, Qwen2 (rotate_half). */
    HALF_SPLIT;

    /** Position inside the head of member {@code member} (0 or 1) of pair {@code pair}. */
    public int dimOf(int pair, int member, int headSize) {
        return this == INTERLEAVED ? 2 * pair + member : pair + member * (headSize / 2);
    }

    /** The pair a head dim belongs to. */
    public int pairOf(int dim, int headSize) {
        return this == INTERLEAVED ? dim / 2 : dim % (headSize / 2);
    }

    /** Which member of its pair a head dim is (0 = first, rotated as the real part). */
    public int memberOf(int dim, int headSize) {
        return this == INTERLEAVED ? dim % 2 : dim / (headSize / 2);
    }
}
