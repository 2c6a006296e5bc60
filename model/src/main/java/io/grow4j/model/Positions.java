package io.grow4j.model;

import java.util.List;
import java.util.Objects;

/** How a model knows token positions. */
public sealed interface Positions {
    /**
     * Rotary embeddings on Q and K with frequency theta^(-2i/d) for pair i of the d rotated dims of a head, rescaled
     * by {@code scaling} ({@link RopeFrequencies} gives the angles).
     *
     * @param rotaryDims the leading dims of each head that rotate, pairs placed by {@code layout} within them, the
     *                   rest passed through (Phi-3.5/Phi-4-mini's partial_rotary_factor, transformers'
     *                   apply_rotary_pos_emb: rotary part first); 0 rotates the whole head (every other family)
     * @param nopeLayers layers whose attention has no RoPE at all, ascending (SmolLM3's no_rope_layers entries 0);
     *                   empty for every other family
     */
    record Rope(double theta, RopeLayout layout, RopeScaling scaling, int rotaryDims, List<Integer> nopeLayers)
            implements Positions {
        public Rope {
            Objects.requireNonNull(scaling, "scaling (RopeScaling.NONE for plain RoPE)");
            nopeLayers = List.copyOf(nopeLayers);
            if (rotaryDims < 0 || rotaryDims % 2 != 0) {
                throw new IllegalArgumentException("rotary dims must be an even number >= 0 (0: the whole head), got "
                        + rotaryDims);
            }
            for (int i = 0; i < nopeLayers.size(); i++) {
                if (nopeLayers.get(i) < 0 || (i > 0 && nopeLayers.get(i) <= nopeLayers.get(i - 1))) {
                    throw new IllegalArgumentException("layers without RoPE must be ascending layer indices, got "
                            + nopeLayers);
                }
            }
        }

        public Rope(double theta, RopeLayout layout, RopeScaling scaling) {
            this(theta, layout, scaling, 0, List.of());
        }

        /** Plain RoPE, no scaling. */
        public Rope(double theta, RopeLayout layout) {
            this(theta, layout, RopeScaling.NONE);
        }

        public Rope withLayout(RopeLayout newLayout) {
            return new Rope(theta, newLayout, scaling, rotaryDims, nopeLayers);
        }

        public Rope withScaling(RopeScaling newScaling) {
            return new Rope(theta, layout, newScaling, rotaryDims, nopeLayers);
        }

        public Rope withRotaryDims(int newRotaryDims) {
            return new Rope(theta, layout, scaling, newRotaryDims, nopeLayers);
        }

        public Rope withNopeLayers(List<Integer> newNopeLayers) {
            return new Rope(theta, layout, scaling, rotaryDims, newNopeLayers);
        }

        /** How many leading dims of a head of {@code headSize} rotate. */
        public int rotated(int headSize) {
            return rotaryDims == 0 ? headSize : rotaryDims;
        }

        /** Whether only part of each head rotates. */
        public boolean partial(int headSize) {
            return rotated(headSize) != headSize;
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
