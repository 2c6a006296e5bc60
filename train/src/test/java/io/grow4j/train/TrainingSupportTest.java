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
