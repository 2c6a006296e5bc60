package io.grow4j.model.format.onnx;

import io.grow4j.model.TransformerConfig;

/**
 * What a stored number means in terms of the config, so a writer can recompute it for a grown model instead of
 * guessing from old values.
 */
sealed interface Quantity {
    /** The value the graph must hold for {@code config}. */
    double valueFor(TransformerConfig config);

    /** Attention heads, in a Reshape target that splits Q, K or V into heads. */
    record Heads() implements Quantity {
        @Override
        public double valueFor(TransformerConfig c) {
            return c.attention().queryHeads();
        }
    }

    /** Per-head size of queries and keys (key = true) or of values, in a Reshape target that splits heads. */
    record HeadSize(boolean key) implements Quantity {
        @Override
        public double valueFor(TransformerConfig c) {
            return key ? c.attention().keySize() : c.attention().valueSize();
        }
    }

    /** Heads × value size, in the Reshape target that merges heads before the output projection. */
    record AllHeadSize() implements Quantity {
        @Override
        public double valueFor(TransformerConfig c) {
            return (double) c.attention().queryHeads() * c.attention().valueSize();
        }
    }

    /** LayerNorm epsilon. */
    record NormEpsilon() implements Quantity {
        @Override
        public double valueFor(TransformerConfig c) {
            return c.normEps();
        }
    }

    /**
     * One factor of the attention logit scale 1/sqrt(key size): a Mul by keySize^exponent, or a Div by its inverse
     * (divisor). Exports split the scale differently (one Div by sqrt(k) after QKᵀ, or k^(-1/4) on both Q and K), so
     * each factor keeps its own exponent and the exponents add up to -1/2.
     */
    record AttentionScale(double exponent, boolean divisor) implements Quantity {
        @Override
        public double valueFor(TransformerConfig c) {
            double factor = Math.pow(c.attention().keySize(), exponent);
            return divisor ? 1 / factor : factor;
        }
    }
}
