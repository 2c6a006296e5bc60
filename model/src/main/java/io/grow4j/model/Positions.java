package io.grow4j.model;

import java.util.List;
import java.util.Objects;

/** How a model knows token positions. */
public sealed interface Positions {
    /**
     * Rotary embeddings on Q and K with frequency theta^(-2i/d) for pair i of the d rotated dims of a head, rescaled
     * by {@code scaling} ({@link RopeFrequencies} gives the angles).
     *
     * <p>How much of a head rotates is kept as the fraction Hugging Face configs give (GPT-NeoX's rotary_pct,
     * Phi-3's and transformers 5.x's partial_rotary_factor), not as a dim count: transformers derives the count as
     * int(head_dim · fraction) ({@link #rotaryDims}), so a fraction read from a config and written back unchanged
     * always rotates the dims transformers rotates, also after the head grows (DESIGN 2.6).
     *
     * @param fraction   the part of each head that rotates, in (0, 1]: its first {@link #rotaryDims} dims, pairs
     *                   placed by {@code layout} among themselves, the rest passed through unrotated (transformers'
     *                   apply_rotary_pos_emb in modeling_gpt_neox.py and modeling_phi3.py); 1 for every other family
     * @param nopeLayers layers whose attention has no RoPE at all, ascending (SmolLM3's no_rope_layers entries 0);
     *                   empty for every other family
     */
    record Rope(double theta, RopeLayout layout, RopeScaling scaling, double fraction, List<Integer> nopeLayers)
            implements Positions {
        public Rope {
            Objects.requireNonNull(scaling, "scaling (RopeScaling.NONE for plain RoPE)");
            nopeLayers = List.copyOf(nopeLayers);
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("the rotary fraction of a head must be in (0, 1], got " + fraction);
            }
            for (int i = 0; i < nopeLayers.size(); i++) {
                if (nopeLayers.get(i) < 0 || (i > 0 && nopeLayers.get(i) <= nopeLayers.get(i - 1))) {
                    throw new IllegalArgumentException("layers without RoPE must be ascending layer indices, got "
                            + nopeLayers);
                }
            }
        }

        /** RoPE on a {@code fraction} of each head, in every layer. */
        public Rope(double theta, RopeLayout layout, RopeScaling scaling, double fraction) {
            this(theta, layout, scaling, fraction, List.of());
        }

        /** RoPE over whole heads, in every layer. */
        public Rope(double theta, RopeLayout layout, RopeScaling scaling) {
            this(theta, layout, scaling, 1.0);
        }

        /** Plain RoPE, no scaling. */
        public Rope(double theta, RopeLayout layout) {
            this(theta, layout, RopeScaling.NONE);
        }

        public Rope withLayout(RopeLayout newLayout) {
            return new Rope(theta, newLayout, scaling, fraction, nopeLayers);
        }

        public Rope withScaling(RopeScaling newScaling) {
            return new Rope(theta, layout, newScaling, fraction, nopeLayers);
        }

        public Rope withFraction(double newFraction) {
            return new Rope(theta, layout, scaling, newFraction, nopeLayers);
        }

        public Rope withNopeLayers(List<Integer> newNopeLayers) {
            return new Rope(theta, layout, scaling, fraction, newNopeLayers);
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

        /** Whether the attention of {@code layer} applies RoPE. */
        public boolean rotates(int layer) {
            return !nopeLayers.contains(layer);
        }
    }

    /** A learned table added to the token embedding. */
    record Learned() implements Positions {
    }
}
