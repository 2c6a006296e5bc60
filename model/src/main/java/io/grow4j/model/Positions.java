package io.grow4j.model;

import java.util.Objects;

/** How a model knows token positions. */
public sealed interface Positions {
    /**
     * Rotary embeddings on Q and K with frequency theta^(-2i/d) for pair i of a head of size d, rescaled by
     * {@code scaling} ({@link RopeFrequencies} gives the angles).
     */
    record Rope(double theta, RopeLayout layout, RopeScaling scaling) implements Positions {
        public Rope {
            Objects.requireNonNull(scaling, "scaling (RopeScaling.NONE for plain RoPE)");
        }

        /** Plain RoPE, no scaling. */
        public Rope(double theta, RopeLayout layout) {
            this(theta, layout, RopeScaling.NONE);
        }

        public Rope withLayout(RopeLayout newLayout) {
            return new Rope(theta, newLayout, scaling);
        }

        public Rope withScaling(RopeScaling newScaling) {
            return new Rope(theta, layout, newScaling);
        }
    }

    /** A learned table added to the token embedding. */
    record Learned() implements Positions {
    }
}
