package io.grow4j.train;

import io.grow4j.model.Activation;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Architecture;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;

import java.util.List;
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

    /**
     * OLMo-2's parts: RMSNorm on each branch's output before the residual add (the branches read the raw stream),
     * RMSNorm of the whole query and key projections before RoPE, GQA (4 query heads on 2 kv groups), untied head.
     */
    static TransformerConfig olmo2(int vocab, int hidden, int layers, int context) {
        return new TransformerConfig(Architecture.OLMO2, vocab, hidden, layers, context,
                new AttentionConfig(4, 2, hidden / 4, hidden / 4, false), new MlpConfig(hidden * 3 / 2 + 1,
                Activation.SWIGLU, false), 1e-6, new Positions.Rope(5e5, RopeLayout.HALF_SPLIT), false);
    }

    /**
     * GPT-NeoX's (Pythia's) parts: pre-LayerNorm with biases, parallel residual (or sequential), half-split RoPE on
     * half of each head (rotary_pct 0.5), biases everywhere, exact GELU, 2 heads of hidden / 2, untied head.
     */
    static TransformerConfig neox(int vocab, int hidden, int layers, int context, boolean parallel) {
        return new TransformerConfig(parallel ? Architecture.GPT_NEOX : Architecture.GPT_NEOX_SEQUENTIAL, vocab,
                hidden, layers, context, new AttentionConfig(2, 2, hidden / 2, hidden / 2, true),
                new MlpConfig(hidden * 4, Activation.GELU, true), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 0.5), false);
    }

    /**
     * {@link #llama} with 2 query heads on one kv group of hidden / 2 each, so that a head has several rotary pairs,
     * under the given positions (RoPE scaling, partial rotary, layers without RoPE).
     */
    static TransformerConfig llamaWith(int vocab, int hidden, int layers, int context, Positions.Rope rope) {
        return new TransformerConfig(Architecture.LLAMA, vocab, hidden, layers, context,
                new AttentionConfig(2, 1, hidden / 2, hidden / 2, false), new MlpConfig(hidden * 3 / 2 + 1,
                Activation.SWIGLU, false), 1e-5, rope, false);
    }

    /**
     * The RoPE variants that only change the angles, for a head of 8 dims (wavelengths 6.3, 63, 628, 6283 at
     * theta 1e4): Llama 3.x's llama3 rule with original context 64 and factors 1/4 (pair 0 kept, pair 1 on the
     * smooth ramp, pairs 2, 3 divided by 8), linear, yarn (attention factor 1.14 on cos and sin), half-split partial
     * rotary (GPT-NeoX's rotary_pct 0.5) and SmolLM3's layer without RoPE.
     */
    static List<Positions.Rope> ropeVariants() {
        Positions.Rope plain = new Positions.Rope(10000.0, RopeLayout.HALF_SPLIT);
        return List.of(plain.withScaling(new RopeScaling.Llama3(8, 1, 4, 64)),
                new Positions.Rope(10000.0, RopeLayout.INTERLEAVED, new RopeScaling.Linear(4)),
                plain.withScaling(new RopeScaling.Yarn(4, null, null, null, null, null, null, null)),
                plain.withFraction(0.5), plain.withNopeLayers(List.of(1)));
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
