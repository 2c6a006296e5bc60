package io.grow4j.transforms;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;

/** Small configs of every family for growth tests. */
public final class TestConfigs {
    private TestConfigs() {
    }

    /** Llama-style: RMSNorm, RoPE, GQA (8 query heads over 4 kv heads), SwiGLU. */
    public static TransformerConfig llama(RopeLayout layout, boolean tied) {
        return new TransformerConfig(Architecture.LLAMA, 37, 24, 2, 16,
                new AttentionConfig(4, 2, 6, 6, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, layout), tied);
    }

    /** The paper's decoder with RoPE, so attention expansion must place rotary pairs (DESIGN 2.3). */
    public static TransformerConfig genericRope(RopeLayout layout) {
        return new TransformerConfig(Architecture.GENERIC, 31, 16, 2, 16,
                new AttentionConfig(4, 2, 4, 3, true), new MlpConfig(24, Activation.GELU, true), 1e-5,
                new Positions.Rope(500, layout), true);
    }

    /** The paper's decoder: learned positions, key size != value size, ReLU or GELU, biases. */
    public static TransformerConfig generic(Activation activation, boolean bias) {
        return new TransformerConfig(Architecture.GENERIC, 29, 20, 2, 16,
                new AttentionConfig(3, 3, 5, 7, bias), new MlpConfig(33, activation, bias), 1e-6,
                new Positions.Learned(), false);
    }

    /** Mistral: Llama's blocks, no biases, half-split RoPE as its directories store it. */
    public static TransformerConfig mistral() {
        return new TransformerConfig(Architecture.MISTRAL, 33, 16, 2, 16,
                new AttentionConfig(4, 2, 4, 4, false), new MlpConfig(28, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);
    }

    /** Qwen2: biases on Q, K and V but not on the output projection. */
    public static TransformerConfig qwen2(boolean tied) {
        return new TransformerConfig(Architecture.QWEN2, 35, 16, 2, 16,
                new AttentionConfig(4, 2, 4, 4, true, false), new MlpConfig(30, Activation.SWIGLU, false), 1e-6,
                new Positions.Rope(1e6, RopeLayout.HALF_SPLIT), tied);
    }

    /** GPT-2: pre-LayerNorm with biases, learned positions, gelu_new, head size hidden / heads. */
    public static TransformerConfig gpt2(boolean tied) {
        return new TransformerConfig(Architecture.GPT2, 31, 12, 2, 16,
                new AttentionConfig(3, 3, 4, 4, true), new MlpConfig(48, Activation.GELU_TANH, true), 1e-5,
                new Positions.Learned(), tied);
    }

    /** BERT: post-LayerNorm encoder, token types, embedding LayerNorm, exact GELU, optional pooler. */
    public static TransformerConfig bert(boolean pooler) {
        return new TransformerConfig(Architecture.BERT, 29, 12, 2, 16,
                new AttentionConfig(2, 2, 6, 6, true), new MlpConfig(30, Activation.GELU, true), 1e-12,
                new Positions.Learned(), false, 2, pooler);
    }
}
