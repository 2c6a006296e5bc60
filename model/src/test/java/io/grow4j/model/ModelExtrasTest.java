package io.grow4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grow4j.model.format.RopePermutation;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Extras a format read (a GGUF tokenizer) must survive every model derived from the one it was read into. */
class ModelExtrasTest {
    private static final TransformerConfig CONFIG = new TransformerConfig(Architecture.LLAMA, 8, 8, 1, 4,
            new AttentionConfig(2, 1, 4, 4, false), new MlpConfig(12, Activation.SWIGLU, false), 1e-5,
            new Positions.Rope(10000, RopeLayout.INTERLEAVED), true);

    @Test
    void derivedModelsKeepTheExtras() {
        Model plain = RandomModels.create(CONFIG, DType.F32, 3);
        assertEquals(Map.of(), plain.extras());
        Model model = new Model(CONFIG, plain.tensors(), Map.of("gguf", "tokenizer"));
        assertEquals(Map.of("gguf", "tokenizer"), model.derive(CONFIG, model.tensors()).extras());
        assertEquals(model.extras(), model.convertTo(DType.BF16).extras());
        assertEquals(model.extras(), RopePermutation.toLayout(model, RopeLayout.HALF_SPLIT).extras());
    }

    @Test
    void extrasAreImmutable() {
        Model model = new Model(CONFIG, RandomModels.create(CONFIG, DType.F32, 3).tensors(), Map.of("gguf", "x"));
        assertThrows(UnsupportedOperationException.class, () -> model.extras().put("other", "y"));
    }
}
