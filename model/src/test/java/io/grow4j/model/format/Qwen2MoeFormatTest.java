package io.grow4j.model.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Qwen2-MoE directories (HF Qwen2MoeForCausalLM): router mlp.gate, experts mlp.experts.N.{gate,up,down}_proj, the
 * shared expert and its gate, Q/K/V biases; config.json's keys as transformers spells them, with its defaults;
 * layouts with dense layers refused with the reason.
 */
class Qwen2MoeFormatTest {
    private final HfDirectoryFormat format = new HfDirectoryFormat();

    @TempDir
    Path dir;

    static TransformerConfig qwen2Moe(boolean normTopK) {
        return new TransformerConfig(Architecture.QWEN2_MOE, 35, 16, 2, 16, new AttentionConfig(4, 2, 4, 4, true, false),
                new MlpConfig(20, Activation.SWIGLU, false, 4, 2, 24, normTopK), 1e-6,
                new Positions.Rope(1e6, RopeLayout.HALF_SPLIT), false);
    }

    @Test
    void tensorsAndConfigRoundTripUnderTransformersNames() throws IOException {
        Model model = RandomModels.create(qwen2Moe(false), DType.F32, 3);
        Path out = dir.resolve("q");
        format.write(model, out);
        Model back = format.read(out);
        assertEquals(model.config(), back.config());
        for (Map.Entry<TensorKey, Tensor> e : model.tensors().entrySet()) {
            assertEquals(-1L, e.getValue().data().mismatch(back.tensor(e.getKey()).data()), e.getKey().toString());
        }
        java.util.Set<String> names;
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            names = SafetensorsFile.open(out.resolve("model.safetensors"), arena).entries().keySet();
        }
        for (String name : List.of("model.layers.1.mlp.gate.weight", "model.layers.1.mlp.experts.3.down_proj.weight",
                "model.layers.0.mlp.shared_expert.gate_proj.weight", "model.layers.0.mlp.shared_expert.up_proj.weight",
                "model.layers.0.mlp.shared_expert.down_proj.weight", "model.layers.0.mlp.shared_expert_gate.weight",
                "model.layers.0.self_attn.q_proj.bias")) {
            assertTrue(names.contains(name), name + " in " + names);
        }
        String json = Files.readString(out.resolve("config.json"));
        assertTrue(json.contains("\"model_type\" : \"qwen2_moe\"") && json.contains("\"norm_topk_prob\" : false"),
                json);
    }

    @Test
    void missingKeysTakeTransformersDefaults() throws IOException {
        Path out = dir.resolve("d");
        format.write(RandomModels.create(qwen2Moe(true), DType.F32, 3), out);
        editConfig(out, c -> List.of("num_experts_per_tok", "norm_topk_prob", "decoder_sparse_step", "mlp_only_layers")
                .forEach(c::remove));
        editConfig(out, c -> c.put("num_experts_per_tok", 2));
        MlpConfig mlp = format.read(out).config().mlp();
        assertFalse(mlp.normTopK(), "norm_topk_prob defaults to false");
        assertEquals(24, mlp.sharedSize());
        editConfig(out, c -> c.remove("num_experts_per_tok"));
        assertEquals(4, format.read(out).config().mlp().topK(), "num_experts_per_tok defaults to 4");
        editConfig(out, c -> c.put("num_experts", 3));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("num_experts_per_tok 4 exceeds num_experts 3"), e.getMessage());
    }

    @Test
    void denseLayersAreRefusedWithTheReason() throws IOException {
        Path out = dir.resolve("bad");
        format.write(RandomModels.create(qwen2Moe(true), DType.F32, 3), out);
        editConfig(out, c -> c.put("decoder_sparse_step", 2));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("decoder_sparse_step 2 and mlp_only_layers [] make some layers dense;"
                + " grow4j models every layer alike, so only decoder_sparse_step 1 with no mlp_only_layers is read"),
                e.getMessage());
        editConfig(out, c -> {
            c.put("decoder_sparse_step", 1);
            c.putArray("mlp_only_layers").add(1);
        });
        e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("mlp_only_layers [1] make some layers dense"), e.getMessage());
    }

    @Test
    void mixtralCannotHoldASharedExpertNorUnnormalisedRouting() {
        TransformerConfig q = qwen2Moe(false);
        TransformerConfig asMixtral = new TransformerConfig(Architecture.MIXTRAL, q.vocabSize(), q.hidden(), q.layers(),
                q.maxSeqLen(), new AttentionConfig(4, 2, 4, 4, false), q.mlp(), q.normEps(), q.positions(), false);
        assertEquals(List.of("mixtral has no shared expert; this model has one of size 24", "mixtral always renormalises the chosen experts' weights; this model does not"
                + " (norm_topk_prob false)"), format.writeProblems(asMixtral));
    }

    private static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode config = (ObjectNode) SafetensorsFile.JSON.readTree(file.toFile());
        edit.accept(config);
        Files.writeString(file, config.toString());
    }
}
