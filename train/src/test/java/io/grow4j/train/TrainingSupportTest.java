package io.grow4j.train;

import io.grow4j.model.Activation;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Architecture;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingSupportTest {
    @Test
    void llamaStyleConfigsTrain() {
        assertEquals(List.of(), TrainingSupport.problems(TinyModels.llama(13, 8, 2, 6, RopeLayout.HALF_SPLIT, true)));
    }

    @Test
    void everyUnsupportedPartIsNamedOnce() {
        TransformerConfig biased = new TransformerConfig(Architecture.LLAMA, 13, 8, 2, 6,
                new AttentionConfig(2, 2, 4, 4, true), new MlpConfig(12, Activation.GELU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.INTERLEAVED), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingPass(biased, null));
        List<String> problems = TrainingSupport.problems(biased);
        assertTrue(problems.contains("MLP activation is GELU, training supports SwiGLU only"), problems.toString());
        assertTrue(problems.contains("tensor bq is not supported by the backward pass"), problems.toString());
        assertTrue(problems.contains("tensor bo is not supported by the backward pass"), problems.toString());
        assertEquals(problems.size(), problems.stream().distinct().count(), "each problem once: " + problems);
        assertTrue(e.getMessage().contains("tensor bk"), e.getMessage());
    }

    @Test
    void gptNeoxPartsAreNamed() {
        List<String> problems = TrainingSupport.problems(io.grow4j.model.fixtures.NeoxConfigs.pythia());
        assertTrue(problems.contains("gpt_neox's parallel residual is not supported by the backward pass yet"
                + " (branches one after the other only)"), problems.toString());
        assertTrue(problems.contains("gpt_neox has partial rotary (0.25 of each head: 2 of 8 dims rotate), which the"
                + " backward pass does not implement"), problems.toString());
        assertTrue(problems.contains("norm is LAYER, training supports RMSNorm only"), problems.toString());
    }

    /** Gemma's parts are not in the backward pass: training refuses them by name instead of computing wrongly. */
    @Test
    void gemmaIsRefusedNamingItsParts() {
        TransformerConfig gemma = new TransformerConfig(Architecture.GEMMA3, 13, 8, 2, 6,
                new AttentionConfig(2, 2, 4, 4, false), new MlpConfig(12, Activation.GEGLU_TANH, false), 1e-6,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), true, 0, false,
                new io.grow4j.model.AttentionShape(4, 0, 0, 2, 1e4, List.of(
                        io.grow4j.model.AttentionShape.LayerAttention.SLIDING,
                        io.grow4j.model.AttentionShape.LayerAttention.FULL)));
        List<String> problems = TrainingSupport.problems(gemma);
        assertTrue(problems.contains("gemma3 has (1 + w) RMSNorm gains, sandwich norms, embeddings x sqrt(hidden),"
                + " GeGLU, attention scale query_pre_attn_scalar^-0.5, sliding-window layers, which the backward pass"
                + " does not implement"), problems.toString());
    }

    /** Partial rotary (phi3) and layers without RoPE (smollm3) run forward only: training names them. */
    @Test
    void ropePartsTheBackwardPassLacksAreNamed() {
        TransformerConfig phi3 = new TransformerConfig(Architecture.PHI3, 13, 8, 2, 6,
                new AttentionConfig(2, 2, 4, 4, false), new MlpConfig(12, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT, io.grow4j.model.RopeScaling.NONE, 0.5),
                false);
        assertEquals(List.of("phi3 has partial rotary (0.5 of each head: 2 of 4 dims rotate), which the backward pass"
                + " does not implement"), TrainingSupport.problems(phi3));
        TransformerConfig smollm3 = new TransformerConfig(Architecture.SMOLLM3, 13, 8, 2, 6,
                new AttentionConfig(2, 2, 4, 4, false), new MlpConfig(12, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT, io.grow4j.model.RopeScaling.NONE, 1.0, List.of(1)),
                true);
        assertEquals(List.of("smollm3 has layers without RoPE [1], which the backward pass does not implement"),
                TrainingSupport.problems(smollm3));
    }
}
