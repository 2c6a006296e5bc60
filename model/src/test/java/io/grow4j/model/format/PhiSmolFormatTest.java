package io.grow4j.model.format;

import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phi-3 and SmolLM3 directories in their published layout (transformers' Phi3ForCausalLM, SmolLM3ForCausalLM):
 * fused qkv_proj and gate_up_proj split on reading and fused again on writing, partial_rotary_factor and longrope,
 * no_rope_layers and its default pattern, and the errors for tensors and lists that do not fit.
 */
class PhiSmolFormatTest {
    private final HfDirectoryFormat format = new HfDirectoryFormat();

    @TempDir
    Path dir;

    /** Phi-4-mini-shaped: GQA 4 over 2, 6 of 8 head dims rotate (factor 0.75), longrope over 3 pairs. */
    static TransformerConfig phi3(boolean tied) {
        RopeScaling longRope = new RopeScaling.LongRope(List.of(1.0, 1.5, 2.0), List.of(2.0, 3.0, 5.0), 16, null,
                null);
        return new TransformerConfig(Architecture.PHI3, 37, 32, 2, 64, new AttentionConfig(4, 2, 8, 8, false),
                new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, longRope, 0.75), tied);
    }

    /** SmolLM3-shaped: 4 layers, the last without RoPE (the interval-4 pattern), attention and MLP biases. */
    static TransformerConfig smollm3(List<Integer> nope) {
        return new TransformerConfig(Architecture.SMOLLM3, 41, 24, 4, 64, new AttentionConfig(4, 2, 6, 6, true),
                new MlpConfig(36, Activation.SWIGLU, true), 1e-6,
                new Positions.Rope(2e6, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 1.0, nope), true);
    }

    @Test
    void phi3FusesQkvAndGateUpInTheirPublishedOrder() throws IOException {
        Model model = RandomModels.create(phi3(false), DType.F32, 3);
        Path out = dir.resolve("phi3");
        format.write(model, out);
        JsonNode config = readJson(out.resolve("config.json"));
        assertEquals("phi3", config.get("model_type").asText());
        assertEquals("Phi3ForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(0.75, config.get("partial_rotary_factor").asDouble());
        assertEquals("longrope", config.get("rope_scaling").get("rope_type").asText());
        assertEquals(3, config.get("rope_scaling").get("short_factor").size());
        Set<String> names = tensorNames(out);
        assertEquals(Set.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight",
                "model.layers.0.input_layernorm.weight", "model.layers.0.self_attn.qkv_proj.weight",
                "model.layers.0.self_attn.o_proj.weight", "model.layers.0.post_attention_layernorm.weight",
                "model.layers.0.mlp.gate_up_proj.weight", "model.layers.0.mlp.down_proj.weight"),
                names.stream().filter(n -> !n.contains("layers.1.")).collect(java.util.stream.Collectors.toSet()));
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile file = SafetensorsFile.open(out.resolve("model.safetensors"), arena);
            Tensor qkv = file.mapped(file.entries().get("model.layers.1.self_attn.qkv_proj.weight"));
            assertEquals("[64, 32]", Tensor.shapeString(qkv.shape()), "32 query + 16 key + 16 value rows");
            assertRows(model.tensor(Role.WQ, 1), qkv, 0);
            assertRows(model.tensor(Role.WK, 1), qkv, 32);
            assertRows(model.tensor(Role.WV, 1), qkv, 48);
            Tensor gateUp = file.mapped(file.entries().get("model.layers.0.mlp.gate_up_proj.weight"));
            assertEquals("[80, 32]", Tensor.shapeString(gateUp.shape()));
            assertRows(model.tensor(Role.W_GATE, 0), gateUp, 0);
            assertRows(model.tensor(Role.W_UP, 0), gateUp, 40);
        }
        assertSameModel(model, format.read(out));
    }

    /** Streaming maps each part of a fused tensor at its own row range of the file. */
    @Test
    void phi3CheckpointLocatesEachFusedPartAtItsRows() throws IOException {
        Model model = RandomModels.create(phi3(false), DType.BF16, 9);
        Path out = dir.resolve("phi3-parts");
        format.write(model, out);
        HfCheckpoint checkpoint = HfCheckpoint.open(out);
        TensorLocation k = checkpoint.tensors().get(io.grow4j.model.TensorKey.of(Role.WK, 1));
        assertEquals("model.layers.1.self_attn.qkv_proj.weight rows 32..47", k.entry().name());
        TensorLocation up = checkpoint.tensors().get(io.grow4j.model.TensorKey.of(Role.W_UP, 0));
        try (Arena arena = Arena.ofConfined();
                java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(k.file())) {
            Fixtures.assertSameTensor("wk", model.tensor(Role.WK, 1), k.map(channel, arena));
            Fixtures.assertSameTensor("w_up", model.tensor(Role.W_UP, 0), up.map(channel, arena));
        }
        assertEquals(model.config(), checkpoint.config());
    }

    /** transformers 5.x keeps partial_rotary_factor and the scaling inside rope_parameters. */
    @Test
    void phi3ReadsTransformers5RopeParameters() throws IOException {
        Path out = dir.resolve("phi3-5x");
        format.write(RandomModels.create(phi3(true), DType.F32, 4), out);
        Path file = out.resolve("config.json");
        ObjectNode json = (ObjectNode) readJson(file);
        ObjectNode parameters = ((ObjectNode) json.remove("rope_scaling")).put("rope_theta", 1e4)
                .put("partial_rotary_factor", 0.5);
        json.remove("partial_rotary_factor");
        json.remove("rope_theta");
        json.set("rope_parameters", parameters);
        Files.writeString(file, json.toString());
        Exception e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("short_factor has 3 entries, but a head of size 4 has 2 rotary pairs"
                + " (head_dim 8, 4 rotary dims)"), e.getMessage());
        parameters.put("partial_rotary_factor", 0.75);
        Files.writeString(file, json.toString());
        Positions.Rope rope = (Positions.Rope) format.read(out).config().positions();
        assertEquals(6, rope.rotaryDims(8));
        assertEquals(phi3(true).positions(), rope);
    }

    @Test
    void phi3WithoutFactorRotatesWholeHeadsAndRefusesOddRotaryDims() throws IOException {
        Path out = dir.resolve("phi3-plain");
        TransformerConfig plain = phi3(false).withPositions(new Positions.Rope(1e4, RopeLayout.HALF_SPLIT));
        format.write(RandomModels.create(plain, DType.F32, 5), out);
        Path file = out.resolve("config.json");
        ObjectNode json = (ObjectNode) readJson(file);
        assertFalse(json.has("partial_rotary_factor"), "factor 1 is Phi3Config's default: left out");
        assertEquals(plain, format.read(out).config());
        json.put("partial_rotary_factor", 0.375);
        Files.writeString(file, json.toString());
        Exception e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("partial_rotary_factor 0.375 gives int(head_dim 8 x 0.375) = 3 rotary"
                + " dims; RoPE needs an even number between 2 and head_dim"), e.getMessage());
    }

    @Test
    void phi3QkvProjWhoseRowsDoNotSplitIsNamedWithItsParts() throws IOException {
        Path out = dir.resolve("phi3-bad");
        format.write(RandomModels.create(phi3(false), DType.F32, 6), out);
        Path file = out.resolve("config.json");
        ObjectNode json = (ObjectNode) readJson(file);
        json.put("num_key_value_heads", 4);
        Files.writeString(file, json.toString());
        Exception e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("model.layers.0.self_attn.qkv_proj.weight in model.safetensors: expected"
                + " shape [96, 32], got [64, 32] (layers.0.wq 32 rows + layers.0.wk 32 rows + layers.0.wv 32 rows)"),
                e.getMessage());
    }

    /** Phi3Config checks longrope list lengths against hidden_size / num_attention_heads, whatever head_dim says. */
    @Test
    void phi3LongropeNeedsHeadDimEqualToHiddenOverHeads() {
        TransformerConfig c = phi3(false);
        TransformerConfig wider = c.withHidden(48, c.normEps());
        assertEquals(List.of("transformers' Phi3Config checks longrope short_factor/long_factor lengths against"
                + " hidden_size / num_attention_heads = 12, not head_dim 8, so it refuses this config (grow hidden"
                + " and heads together so they keep head_dim)"), format.writeProblems(wider));
        assertEquals(List.of(), format.writeProblems(wider.withPositions(new Positions.Rope(1e4,
                RopeLayout.HALF_SPLIT, RopeScaling.NONE, 0.75))));
    }

    @Test
    void smollm3WritesNoRopeLayersAndReadsThemBack() throws IOException {
        Model model = RandomModels.create(smollm3(List.of(1, 3)), DType.F32, 7);
        Path out = dir.resolve("smollm3");
        format.write(model, out);
        JsonNode config = readJson(out.resolve("config.json"));
        assertEquals("smollm3", config.get("model_type").asText());
        assertEquals("SmolLM3ForCausalLM", config.get("architectures").get(0).asText());
        assertEquals("[1,0,1,0]", config.get("no_rope_layers").toString(), "1 = the layer uses RoPE");
        assertTrue(config.get("attention_bias").asBoolean());
        assertTrue(config.get("mlp_bias").asBoolean());
        assertTrue(tensorNames(out).contains("model.layers.3.mlp.gate_proj.bias"));
        assertSameModel(model, format.read(out));
    }

    /** SmolLM3Config: without no_rope_layers every no_rope_layer_interval-th layer (default 4) has no RoPE. */
    @Test
    void smollm3DefaultsAsTransformersDoes() throws IOException {
        Path out = dir.resolve("smollm3-defaults");
        format.write(RandomModels.create(smollm3(List.of(3)), DType.F32, 8), out);
        Path file = out.resolve("config.json");
        ObjectNode json = (ObjectNode) readJson(file);
        json.remove("no_rope_layers");
        json.remove("rope_theta");
        json.remove("tie_word_embeddings");
        Files.writeString(file, json.toString());
        assertEquals(smollm3(List.of(3)), format.read(out).config(), "interval 4, rope_theta 2e6, tied head");
        json.put("no_rope_layer_interval", 2);
        Files.writeString(file, json.toString());
        assertEquals(List.of(1, 3), ((Positions.Rope) format.read(out).config().positions()).nopeLayers());
        json.putArray("no_rope_layers").add(1).add(0).add(2);
        Files.writeString(file, json.toString());
        Exception e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("no_rope_layers must list a 0 or 1 for each of the 4 layers, got 3"
                + " entries"), e.getMessage());
        json.putArray("no_rope_layers").add(1).add(0).add(2).add(1);
        Files.writeString(file, json.toString());
        e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("no_rope_layers[2] must be 0 (no RoPE) or 1 (RoPE), got 2"),
                e.getMessage());
    }

    /**
     * config.json as transformers 5.x saves Phi3Config and SmolLM3Config (rope_parameters holding theta and
     * partial_rotary_factor, layer_types, dropout and token fields grow4j carries), spelled out literally so the key
     * names are checked against the published ones, not against grow4j's own writer.
     */
    @Test
    void publishedConfigSpellingsRead() throws IOException {
        Path phi = dir.resolve("phi3-hf");
        format.write(RandomModels.create(phi3(false), DType.F32, 10), phi);
        Files.writeString(phi.resolve("config.json"), """
                {"architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
                 "bos_token_id": 1, "dtype": "float32", "embd_pdrop": 0.0, "eos_token_id": 32000,
                 "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 40,
                 "max_position_embeddings": 64, "model_type": "phi3", "num_attention_heads": 4,
                 "num_hidden_layers": 2, "num_key_value_heads": 2, "original_max_position_embeddings": 16,
                 "pad_token_id": 32000, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05,
                 "rope_parameters": {"long_factor": [2.0, 3.0, 5.0], "partial_rotary_factor": 0.75,
                   "rope_theta": 10000.0, "rope_type": "longrope", "short_factor": [1.0, 1.5, 2.0]},
                 "sliding_window": null, "tie_word_embeddings": false, "transformers_version": "5.0.0",
                 "use_cache": true, "vocab_size": 37}""");
        assertEquals(phi3(false), format.read(phi).config());
        Path smol = dir.resolve("smollm3-hf");
        format.write(RandomModels.create(smollm3(List.of(3)), DType.F32, 11), smol);
        Files.writeString(smol.resolve("config.json"), """
                {"architectures": ["SmolLM3ForCausalLM"], "attention_bias": true, "attention_dropout": 0.0,
                 "bos_token_id": 128000, "dtype": "float32", "eos_token_id": 128001, "hidden_act": "silu",
                 "hidden_size": 24, "initializer_range": 0.02, "intermediate_size": 36,
                 "layer_types": ["full_attention", "full_attention", "full_attention", "full_attention"],
                 "max_position_embeddings": 64, "mlp_bias": true, "model_type": "smollm3",
                 "no_rope_layer_interval": 4, "no_rope_layers": [1, 1, 1, 0], "num_attention_heads": 4,
                 "num_hidden_layers": 4, "num_key_value_heads": 2, "pad_token_id": 128004, "rms_norm_eps": 1e-06,
                 "rope_parameters": {"rope_theta": 2000000.0, "rope_type": "default"}, "sliding_window": null,
                 "transformers_version": "5.0.0", "use_cache": true, "use_sliding_window": false,
                 "vocab_size": 41}""");
        assertEquals(smollm3(List.of(3)), format.read(smol).config());
    }

    @Test
    void familiesWithoutThesePartsRefuseThemByName() {
        TransformerConfig smol = smollm3(List.of(3));
        TransformerConfig asLlama = new TransformerConfig(Architecture.LLAMA, 41, 24, 4, 64, smol.attention(),
                smol.mlp(), 1e-6, smol.positions(), true);
        assertTrue(format.writeProblems(asLlama).contains("Hugging Face llama applies RoPE in every layer; this model"
                + " has none in layers [3]"), format.writeProblems(asLlama).toString());
    }

    private static void assertRows(Tensor part, Tensor fused, long firstRow) {
        long cols = part.dim(1);
        for (long i = 0; i < part.size(); i++) {
            assertEquals(part.get(i), fused.get(firstRow * cols + i), "entry " + i);
        }
    }

    private static Set<String> tensorNames(Path modelDir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return new TreeSet<>(SafetensorsFile.open(modelDir.resolve("model.safetensors"), arena).entries()
                    .keySet());
        }
    }

    private static JsonNode readJson(Path file) throws IOException {
        return SafetensorsFile.JSON.readTree(file.toFile());
    }
}
