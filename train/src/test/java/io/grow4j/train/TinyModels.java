package io.grow4j.train;

import io.grow4j.model.Activation;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Architecture;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;

import java.util.SplittableRandom;

/** Tiny configs of the trainable families and token batches for the training tests. */
final class TinyModels {
    private TinyModels() {
    }

    /** GQA (4 query heads on 2 kv groups), the given RoPE layout, tied or untied head. */
    static TransformerConfig llama(int vocab, int hidden, int layers, int context, RopeLayout layout, boolean tied) {
        return new TransformerConfig(Architecture.LLAMA, vocab, hidden, layers, context,
                new AttentionConfig(4, 2, hidden / 4, hidden / 4, false), new MlpConfig(hidden * 3 / 2 + 1,
                Activation.SWIGLU, false), 1e-5, new Positions.Rope(10000.0, layout), tied);
    }

    /**
     * GPT-2's parts: pre-LayerNorm with biases, learned positions, biases on every projection, gelu_new, 4 heads of
     * hidden / 4, MLP 4 × hidden, tied or untied head.
     */
    static TransformerConfig gpt2(int vocab, int hidden, int layers, int context, boolean tied) {
        return new TransformerConfig(Architecture.GPT2, vocab, hidden, layers, context,
                new AttentionConfig(4, 4, hidden / 4, hidden / 4, true), new MlpConfig(hidden * 4,
                Activation.GELU_TANH, true), 1e-5, new Positions.Learned(), tied);
    }

    /** Qwen2's parts: {@link #llama}'s with biases on Q, K and V only (HF Qwen2's attention). */
    static TransformerConfig qwen2(int vocab, int hidden, int layers, int context) {
        return new TransformerConfig(Architecture.QWEN2, vocab, hidden, layers, context,
                new AttentionConfig(4, 2, hidden / 4, hidden / 4, true, false), new MlpConfig(hidden * 3 / 2 + 1,
                Activation.SWIGLU, false), 1e-6, new Positions.Rope(1e6, RopeLayout.HALF_SPLIT), false);
    }

    /**
     * Qwen3's parts: RMSNorm of every query and key head before RoPE (q_norm, k_norm), 2 query heads on one kv group
     * of hidden / 2, so that a head has at least 4 dims (the RMSNorm of a 2-dim head is a point on a circle, so
     * curved that central differences of step 1e-5 err by 5e-7).
     */
    static TransformerConfig qwen3(int vocab, int hidden, int layers, int context) {
        return new TransformerConfig(Architecture.QWEN3, vocab, hidden, layers, context,
                new AttentionConfig(2, 1, hidden / 2, hidden / 2, false), new MlpConfig(hidden * 3 / 2 + 1,
                Activation.SWIGLU, false), 1e-6, new Positions.Rope(1e6, RopeLayout.HALF_SPLIT), true);
    }

    static int[][] tokens(int sequences, int length, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] t = new int[sequences][length];
        for (int[] row : t) {
            for (int i = 0; i < length; i++) {
                row[i] = random.nextInt(vocab);
            }
        }
        return t;
    }
}
