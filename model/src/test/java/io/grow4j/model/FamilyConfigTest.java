package io.grow4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The family table's refusals: unknown families, token types and poolers where a family has none. */
class FamilyConfigTest {
    private static final AttentionConfig ATTENTION = new AttentionConfig(2, 2, 4, 4, true);
    private static final MlpConfig MLP = new MlpConfig(16, Activation.GELU, true);

    @Test
    void unknownArchitectureListsTheSupportedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Architecture.fromId("mamba"));
        assertEquals("unknown architecture 'mamba' (supported: generic, llama, mistral, qwen2, qwen3, olmo2, gpt2,"
                + " bert, mixtral, qwen2_moe, gemma2, gemma3, gpt_neox, gpt_neox_sequential, phi3, smollm3)",
                e.getMessage());
    }

    @Test
    void poolersAndTokenTypesBelongToEncoders() {
        IllegalArgumentException pooler = assertThrows(IllegalArgumentException.class, () -> new TransformerConfig(
                Architecture.GPT2, 10, 8, 1, 4, ATTENTION, MLP, 1e-5, new Positions.Learned(), true, 0, true));
        assertTrue(pooler.getMessage().contains("gpt2 outputs logits; only encoders have a pooler"),
                pooler.getMessage());
        IllegalArgumentException types = assertThrows(IllegalArgumentException.class, () -> new TransformerConfig(
                Architecture.GPT2, 10, 8, 1, 4, ATTENTION, MLP, 1e-5, new Positions.Learned(), true, 2));
        assertTrue(types.getMessage().contains("gpt2 has no token types"), types.getMessage());
    }

    @Test
    void poolerRolesFollowTheConfigAndGrowWithHidden() {
        TransformerConfig bert = new TransformerConfig(Architecture.BERT, 10, 8, 1, 4, ATTENTION, MLP, 1e-12,
                new Positions.Learned(), false, 2, true);
        assertTrue(Model.expectedKeys(bert).containsAll(List.of(TensorKey.global(Role.POOLER),
                TensorKey.global(Role.POOLER_BIAS))));
        assertEquals(List.of(Dim.HIDDEN, Dim.HIDDEN), Role.POOLER.axes());
        assertEquals(false, Role.POOLER.presentIn(bert.withPooler(false)));
        assertEquals(bert, bert.withHidden(8, 1e-12).withLayers(1));
    }
}
