package io.grow4j.model;

import java.util.Objects;

/** How a model knows token positions. */
public sealed interface Positions {
    /**
     * Rotary embeddings on Q and K with frequency theta^(-2i/d) for pair i of the rotated part of a head, rescaled by
     * {@code scaling} ({@link RopeFrequencies} gives the angles). {@code fraction} is the part of each head that
     * rotates (HF's rotary_pct / partial_rotary_factor): its first d = {@link #rotaryDims} dims, laid out in
     * {@code layout} among themselves, the rest passing through unrotated (HF transformers modeling_gpt_neox.py).
     */
    record Rope(double theta, RopeLayout layout, RopeScaling scaling, double fraction) implements Positions {
        public Rope {
            Objects.requireNonNull(scaling, "scaling (RopeScaling.NONE for plain RoPE)");
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("the rotary fraction of a head must be in (0, 1], got " + fraction);
            }
        }

        /** RoPE over whole heads. */
        public Rope(double theta, RopeLayout layout, RopeScaling scaling) {
            this(theta, layout, scaling, 1.0);
        }

        /** Plain RoPE, no scaling. */
        public Rope(double theta, RopeLayout layout) {
            this(theta, layout, RopeScaling.NONE);
        }

        public Rope withLayout(RopeLayout newLayout) {
            return new Rope(theta, newLayout, scaling, fraction);
        }

        public Rope withScaling(RopeScaling newScaling) {
            return new Rope(theta, layout, newScaling, fraction);
        }

        /** Only part of each head rotates. */
        public boolean partial() {
            return fraction < 1;
        }

        /**
         * The rotated dims of a head of {@code headSize}: int(headSize · fraction), truncated as transformers does
         * (GPTNeoXAttention's rotary_ndims, modeling_rope_utils' dim).
         */
        public int rotaryDims(int headSize) {
            return (int) (headSize * fraction);
        }
    }

    /** A learned table added to the token embedding. */
    record Learned() implements Positions {
    }
}
