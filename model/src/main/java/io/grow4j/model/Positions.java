package io.grow4j.model;

/** How a model knows token positions. */
public sealed interface Positions {
    /** Rotary embeddings on Q and K with frequency theta^(-2i/d) for pair i of a head of size d. */
    record Rope(double theta, RopeLayout layout) implements Positions {
    }

    /** A learned table added to the token embedding. */
    record Learned() implements Positions {
    }
}
