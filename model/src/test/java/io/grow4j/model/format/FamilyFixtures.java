package io.grow4j.model.format;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;

/** Tiny configs of the Hugging Face families beyond Llama, each with what its format can hold. */
final class FamilyFixtures {
    private FamilyFixtures() {
    }

    /** Mistral: Llama's blocks, grouped-query attention, no biases. */
    static TransformerConfig mistral() {
        return new TransformerConfig(Architecture.MISTRAL, 32, 16, 2, 8, new AttentionConfig(4, 2, 4, 4, false),
                new MlpConfig(24, Activation.SWIGLU, false), 1e-5, new Positions.Rope(10000, RopeLayout.HALF_SPLIT),
                false);
    }

    /** Qwen2: biases on Q, K and V only. */
    static TransformerConfig qwen2(boolean tied) {
        return new TransformerConfig(Architecture.QWEN2, 30, 16, 2, 8, new AttentionConfig(4, 2, 4, 4, true, false),
                new MlpConfig(20, Activation.SWIGLU, false), 1e-6, new Positions.Rope(1e6, RopeLayout.HALF_SPLIT),
                tied);
    }

    /** GPT-2: head size hidden / heads, biases everywhere, gelu_new. */
    static TransformerConfig gpt2(boolean tied) {
        return new TransformerConfig(Architecture.GPT2, 29, 12, 2, 10, new AttentionConfig(3, 3, 4, 4, true),
                new MlpConfig(48, Activation.GELU_TANH, true), 1e-5, new Positions.Learned(), tied);
    }

    /** BERT: two token types, exact GELU, with or without its pooler. */
    static TransformerConfig bert(boolean pooler) {
        return new TransformerConfig(Architecture.BERT, 27, 12, 2, 9, new AttentionConfig(2, 2, 6, 6, true),
                new MlpConfig(30, Activation.GELU, true), 1e-12, new Positions.Learned(), false, 2, pooler);
    }
}
