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
    void llamaGpt2QwenConfigsTrain() {
        assertEquals(List.of(), TrainingSupport.problems(TinyModels.llama(13, 8, 2, 6, RopeLayout.HALF_SPLIT, true)));
        assertEquals(List.of(), TrainingSupport.problems(TinyModels.gpt2(13, 8, 2, 6, true)));
        assertEquals(List.of(), TrainingSupport.problems(TinyModels.gpt2(13, 8, 2, 6, false)));
        assertEquals(List.of(), TrainingSupport.problems(TinyModels.qwen2(13, 8, 2, 6)));
        assertEquals(List.of(), TrainingSupport.problems(TinyModels.qwen3(13, 8, 2, 6)));
    }

    /** An encoder: every part and tensor the backward lacks is named once, and the passes refuse it. */
    @Test
    void bertIsRefusedNamingEveryPartOnce() {
        TransformerConfig bert = new TransformerConfig(Architecture.BERT, 29, 12, 2, 16,
                new AttentionConfig(2, 2, 6, 6, true), new MlpConfig(30, Activation.GELU, true), 1e-12,
                new Positions.Learned(), false, 2, true);
        List<String> problems = TrainingSupport.problems(bert);
        assertEquals(List.of("bert has post-norm blocks (a norm after each residual add), bidirectional attention"
                        + " (an encoder), an embedding LayerNorm, which the backward pass does not implement",
                "tensors embedding_norm, embedding_norm_bias, pooler, pooler_bias, token_type_embedding have no"
                        + " backward pass",
                "the model has no language-model head"), problems);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainingPass(bert, null));
        assertTrue(e.getMessage().contains("bert has post-norm blocks"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ReferenceTraining(bert));
    }

    /** GPT-NeoX (parallel residual, partial rotary) and OLMo-2 (post-branch norms, whole-projection QK-norm) train. */
    @Test
    void gptNeoxAndOlmo2Train() {
        assertEquals(List.of(), TrainingSupport.problems(io.grow4j.model.fixtures.NeoxConfigs.pythia()));
        assertEquals(List.of(), TrainingSupport.problems(TinyModels.neox(13, 8, 2, 6, false)));
        assertEquals(List.of(), TrainingSupport.problems(TinyModels.olmo2(13, 8, 2, 6)));
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

    /**
     * Partial rotary (phi3), layers without RoPE (smollm3) and RoPE scaling that only changes the angles train;
     * longrope, whose factors switch with the sequence length, is named.
     */
    @Test
    void ropeVariantsTrainAndLongRopeIsNamed() {
        for (Positions.Rope rope : TinyModels.ropeVariants()) {
            assertEquals(List.of(), TrainingSupport.problems(TinyModels.llamaWith(13, 16, 2, 6, rope)));
        }
        assertEquals(List.of(), TrainingSupport.problems(TinyModels.llamaWith(13, 16, 2, 6,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, new io.grow4j.model.RopeScaling.Dynamic(2)))));
        TransformerConfig smollm3 = new TransformerConfig(Architecture.SMOLLM3, 13, 8, 2, 6,
                new AttentionConfig(2, 2, 4, 4, false), new MlpConfig(12, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT, io.grow4j.model.RopeScaling.NONE, 1.0, List.of(1)),
                true);
        assertEquals(List.of(), TrainingSupport.problems(smollm3));
        TransformerConfig phi3 = new TransformerConfig(Architecture.PHI3, 13, 8, 2, 6,
                new AttentionConfig(2, 2, 4, 4, false), new MlpConfig(12, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT, new io.grow4j.model.RopeScaling.LongRope(
                        List.of(1.0), List.of(2.0), 4, null, null), 0.5), false);
        assertEquals(List.of("phi3 has RoPE scaling longrope, 1 short and 1 long factors, original context 4 (short"
                + " and long factors switch with the sequence length), which the backward pass does not implement"),
                TrainingSupport.problems(phi3));
    }
}
