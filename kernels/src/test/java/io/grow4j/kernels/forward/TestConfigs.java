package io.grow4j.kernels.forward;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Small configs covering both architectures and every optional feature the forward passes implement. */
public final class TestConfigs {
    private TestConfigs() {
    }

    /** Name → config; names say what each one exercises. */
    public static Map<String, TransformerConfig> all() {
        Map<String, TransformerConfig> m = new TreeMap<>();
        m.put("llama gqa interleaved tied", new TransformerConfig(Architecture.LLAMA, 37, 24, 2, 32,
                new AttentionConfig(6, 2, 4, 4, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.INTERLEAVED), true));
        m.put("llama half-split untied qkv bias", new TransformerConfig(Architecture.LLAMA, 41, 30, 3, 24,
                new AttentionConfig(6, 3, 10, 10, true), new MlpConfig(45, Activation.SWIGLU, false), 1e-6,
                new Positions.Rope(500000, RopeLayout.HALF_SPLIT), false));
        m.put("llama mha one layer", new TransformerConfig(Architecture.LLAMA, 19, 16, 1, 20,
                new AttentionConfig(2, 2, 8, 8, false), new MlpConfig(7, Activation.SWIGLU, true), 1e-5,
                new Positions.Rope(10000, RopeLayout.INTERLEAVED), false));
        // RoPE scaling: every pass takes its angles (and yarn's, longrope's attention factor) from RopeFrequencies;
        // sequences of maxSeqLen reach past each original context of 8.
        m.put("llama3 rope scaling gqa half-split", new TransformerConfig(Architecture.LLAMA, 37, 24, 2, 32,
                new AttentionConfig(6, 2, 8, 8, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(500000, RopeLayout.HALF_SPLIT, new RopeScaling.Llama3(8, 1, 4, 8)), true));
        m.put("yarn rope scaling interleaved", new TransformerConfig(Architecture.LLAMA, 37, 24, 2, 32,
                new AttentionConfig(4, 4, 8, 8, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.INTERLEAVED,
                        new RopeScaling.Yarn(4, 8, null, null, null, null, null, null)), false));
        m.put("longrope rope scaling mlp bias", new TransformerConfig(Architecture.LLAMA, 37, 24, 2, 32,
                new AttentionConfig(4, 2, 8, 8, true), new MlpConfig(40, Activation.SWIGLU, true), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT, new RopeScaling.LongRope(List.of(1.0, 1.5, 2.0, 4.0),
                        List.of(3.0, 5.0, 9.0, 17.0), 8, null, null)), false));
        m.put("generic learned relu biases k!=v", new TransformerConfig(Architecture.GENERIC, 29, 20, 2, 16,
                new AttentionConfig(4, 4, 6, 10, true), new MlpConfig(33, Activation.RELU, true), 1e-5,
                new Positions.Learned(), false));
        m.put("generic learned gelu tied gqa", new TransformerConfig(Architecture.GENERIC, 23, 18, 2, 16,
                new AttentionConfig(4, 2, 7, 5, false), new MlpConfig(50, Activation.GELU, false), 1e-5,
                new Positions.Learned(), true));
        m.put("generic rope gelu k!=v biases", new TransformerConfig(Architecture.GENERIC, 31, 22, 2, 16,
                new AttentionConfig(3, 1, 8, 5, true), new MlpConfig(27, Activation.GELU, true), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false));
        m.put("gpt2 layernorm gelu-tanh learned tied", new TransformerConfig(Architecture.GPT2, 43, 24, 2, 20,
                new AttentionConfig(4, 4, 6, 6, true), new MlpConfig(96, Activation.GELU_TANH, true), 1e-5,
                new Positions.Learned(), true));
        m.put("no layers", new TransformerConfig(Architecture.GENERIC, 11, 8, 0, 8,
                new AttentionConfig(1, 1, 2, 2, false), new MlpConfig(4, Activation.RELU, false), 1e-5,
                new Positions.Learned(), false));
        return m;
    }

    /** Large enough that the CPU backend's parallel and blocked paths run. */
    public static TransformerConfig wide() {
        return new TransformerConfig(Architecture.LLAMA, 1000, 256, 2, 64,
                new AttentionConfig(8, 4, 32, 32, false), new MlpConfig(700, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.INTERLEAVED), false);
    }
}
