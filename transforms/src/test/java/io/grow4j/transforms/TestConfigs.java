package io.grow4j.transforms;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;

/** Small configs of both architectures for growth tests. */
final class TestConfigs {
    private TestConfigs() {
    }

    /** Llama-style: RMSNorm, RoPE, GQA (8 query heads over 4 kv heads), SwiGLU. */
    static TransformerConfig llama(RopeLayout layout, boolean tied) {
        return new TransformerConfig(Architecture.LLAMA, 37, 24, 2, 16,
                new AttentionConfig(4, 2, 6, 6, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, layout), tied);
    }

    /** The paper's decoder with RoPE, so attention expansion must place rotary pairs (DESIGN 2.3). */
    static TransformerConfig genericRope(RopeLayout layout) {
        return new TransformerConfig(Architecture.GENERIC, 31, 16, 2, 16,
                new AttentionConfig(4, 2, 4, 3, true), new MlpConfig(24, Activation.GELU, true), 1e-5,
                new Positions.Rope(500, layout), true);
    }

    /** The paper's decoder: learned positions, key size != value size, ReLU or GELU, biases. */
    static TransformerConfig generic(Activation activation, boolean bias) {
        return new TransformerConfig(Architecture.GENERIC, 29, 20, 2, 16,
                new AttentionConfig(3, 3, 5, 7, bias), new MlpConfig(33, activation, bias), 1e-6,
                new Positions.Learned(), false);
    }
}
