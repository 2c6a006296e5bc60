package io.grow4j.model.format;

import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Architecture;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.NeoxConfigs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-NeoX (Pythia) directories in the layout transformers' GPTNeoXForCausalLM saves: gpt_neox.* names, Q, K and V
 * fused head by head in query_key_value, untied embed_out, config keys as Pythia publishes them (rotary_pct,
 * rotary_emb_base, use_parallel_residual) and as transformers 5.x spells them (rope_parameters), bad configs refused
 * with the field named.
 */
class GptNeoxFormatTest {
    private final HfDirectoryFormat format = new HfDirectoryFormat();

    @TempDir
    Path dir;

    @Test
    void writesPythiasNamesAndConfigKeysAndReadsBackBitForBit() throws IOException {
        Model model = RandomModels.create(NeoxConfigs.pythia(), DType.F16, 3);
        Path out = dir.resolve("pythia");
        format.write(model, out);
        JsonNode config = SafetensorsFile.JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("gpt_neox", config.get("model_type").asText());
        assertEquals("GPTNeoXForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(0.25, config.get("rotary_pct").asDouble());
        assertEquals(10000, config.get("rotary_emb_base").asDouble());
        assertTrue(config.get("use_parallel_residual").asBoolean());
        assertFalse(config.get("tie_word_embeddings").asBoolean());
        assertEquals("gelu", config.get("hidden_act").asText());
        assertEquals(32, config.get("hidden_size").asInt());
        assertEquals(4, config.get("num_attention_heads").asInt());
        assertFalse(config.has("head_dim"), "GPT-NeoX derives head size from hidden_size / num_attention_heads");
        Set<String> names = tensorNames(out);
        for (String name : new String[] {"gpt_neox.embed_in.weight", "embed_out.weight",
                "gpt_neox.final_layer_norm.weight", "gpt_neox.final_layer_norm.bias",
                "gpt_neox.layers.1.input_layernorm.bias", "gpt_neox.layers.1.post_attention_layernorm.weight",
                "gpt_neox.layers.1.attention.query_key_value.weight", "gpt_neox.layers.1.attention.query_key_value.bias",
                "gpt_neox.layers.1.attention.dense.bias", "gpt_neox.layers.1.mlp.dense_h_to_4h.bias",
                "gpt_neox.layers.1.mlp.dense_4h_to_h.weight"}) {
            assertTrue(names.contains(name), name + " in " + names);
        }
        assertEquals(2 + 2 + 2 * 12, names.size(), names.toString());
        assertSameModel(model, format.read(out));
    }

    /**
     * modeling_gpt_neox.py views query_key_value's output as [heads, 3 · head_dim]: row h·3d + j is head h's query
     * dim j, row h·3d + d + j its key dim j, row h·3d + 2d + j its value dim j. Checked on the raw file.
     */
    @Test
    void queryKeyValueIsFusedHeadByHead() throws IOException {
        TransformerConfig c = NeoxConfigs.pythia();
        Model model = RandomModels.create(c, DType.F32, 4);
        Path out = dir.resolve("fused");
        format.write(model, out);
        int d = c.attention().keySize();
        int hidden = c.hidden();
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile file = SafetensorsFile.open(out.resolve("model.safetensors"), arena);
            Tensor weight = file.mapped(file.entries().get("gpt_neox.layers.1.attention.query_key_value.weight"));
            Tensor bias = file.mapped(file.entries().get("gpt_neox.layers.1.attention.query_key_value.bias"));
            assertEquals("[96, 32]", Tensor.shapeString(weight.shape()));
            Role[] parts = {Role.WQ, Role.WK, Role.WV};
            Role[] biases = {Role.BQ, Role.BK, Role.BV};
            for (int h = 0; h < c.attention().queryHeads(); h++) {
                for (int p = 0; p < 3; p++) {
                    for (int j = 0; j < d; j++) {
                        int row = h * 3 * d + p * d + j;
                        assertEquals(model.tensor(biases[p], 1).get(h * d + j), bias.get(row), 0.0);
                        for (int col = 0; col < hidden; col++) {
                            assertEquals(model.tensor(parts[p], 1).get((long) (h * d + j) * hidden + col),
                                    weight.get((long) row * hidden + col), 0.0, "row " + row + " col " + col);
                        }
                    }
                }
            }
        }
    }

    @Test
    void sequentialResidualAndNoBiasesAreTheirOwnConfigKeys() throws IOException {
        Model model = RandomModels.create(NeoxConfigs.pythia(false, 0.5, true, false), DType.F32, 5);
        Path out = dir.resolve("sequential");
        format.write(model, out);
        JsonNode config = SafetensorsFile.JSON.readTree(out.resolve("config.json").toFile());
        assertFalse(config.get("use_parallel_residual").asBoolean());
        assertFalse(config.get("attention_bias").asBoolean());
        assertTrue(config.get("tie_word_embeddings").asBoolean());
        assertFalse(tensorNames(out).contains("gpt_neox.layers.0.attention.dense.bias"));
        Model read = format.read(out);
        assertEquals(Architecture.GPT_NEOX_SEQUENTIAL, read.config().architecture());
        assertSameModel(model, read);
    }

    /** Pythia-70m's config.json keys (sizes shrunk), as published: nothing about biases or heads' size. */
    @Test
    void readsPythiasPublishedConfigWithTransformersDefaults() throws IOException {
        Path out = writeWithConfig("published", """
                {"architectures": ["GPTNeoXForCausalLM"], "bos_token_id": 0, "eos_token_id": 0,
                 "hidden_act": "gelu", "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 40,
                 "layer_norm_eps": 1e-05, "max_position_embeddings": 16, "model_type": "gpt_neox",
                 "num_attention_heads": 4, "num_hidden_layers": 2, "rotary_emb_base": 10000, "rotary_pct": 0.25,
                 "tie_word_embeddings": false, "torch_dtype": "float16", "transformers_version": "4.24.0",
                 "use_cache": true, "use_parallel_residual": true, "vocab_size": 43}""");
        assertEquals(NeoxConfigs.pythia(), format.read(out).config());
    }

    /** transformers 5.x keeps the base and the rotary fraction in rope_parameters. */
    @Test
    void readsTransformers5RopeParameters() throws IOException {
        Path out = writeWithConfig("v5", """
                {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": 32,
                 "intermediate_size": 40, "max_position_embeddings": 16, "num_attention_heads": 4,
                 "num_hidden_layers": 2, "vocab_size": 43, "attention_bias": true, "use_parallel_residual": true,
                 "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.5},
                 "tie_word_embeddings": false, "dtype": "float32"}""");
        Positions.Rope rope = (Positions.Rope) format.read(out).config().positions();
        assertEquals(0.5, rope.fraction());
        assertEquals(10000.0, rope.theta());
        assertEquals(4, rope.rotaryDims(8));
    }

    /** A directory read from a 5.x config keeps rope_parameters (and gains no 4.x keys) when written again. */
    @Test
    void writesRopeParametersBackWhenTheSourceHadThem() throws IOException {
        Path source = writeWithConfig("v5-source", """
                {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": 32,
                 "intermediate_size": 40, "max_position_embeddings": 16, "num_attention_heads": 4,
                 "num_hidden_layers": 2, "vocab_size": 43, "use_parallel_residual": true,
                 "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.25},
                 "tie_word_embeddings": false, "dtype": "float32"}""");
        Model model = format.read(source);
        Path out = dir.resolve("v5-written");
        format.write(model, out);
        JsonNode config = SafetensorsFile.JSON.readTree(out.resolve("config.json").toFile());
        assertEquals(0.25, config.get("rope_parameters").get("partial_rotary_factor").asDouble());
        assertEquals(10000.0, config.get("rope_parameters").get("rope_theta").asDouble());
        assertFalse(config.has("rotary_pct"), config.toString());
        assertFalse(config.has("rotary_emb_base"), config.toString());
        assertEquals(model.config(), format.read(out).config());
    }

    @Test
    void badConfigsNameEveryField() throws IOException {
        Path out = writeWithConfig("bad", """
                {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": 30,
                 "intermediate_size": 40, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 43,
                 "rotary_pct": 0.1, "rope_scaling": {"type": "linear", "factor": 2.0}, "hidden_act": "swish"}""");
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        String m = e.getMessage();
        assertTrue(m.contains("hidden_size 30 is not a multiple of num_attention_heads 4"), m);
        assertTrue(m.contains("rotary_pct 0.1 gives int(head_dim 7 x 0.1) = 0 rotary dims; RoPE needs an even"
                + " number"), m);
        assertTrue(m.contains("rope_scaling {\"type\":\"linear\",\"factor\":2.0} on gpt_neox is not supported"), m);
        assertTrue(m.contains("hidden_act must be one of"), m);
    }

    @Test
    void unknownRopeParametersAreRefused() throws IOException {
        Path out = writeWithConfig("yarn", """
                {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": 32,
                 "intermediate_size": 40, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 43,
                 "rope_parameters": {"rope_type": "yarn", "factor": 4.0, "rope_theta": 10000.0}}""");
        String m = assertThrows(CheckpointException.class, () -> format.read(out)).getMessage();
        assertTrue(m.contains("rope_parameters.rope_type must be one of [default], got \"yarn\""), m);
        assertTrue(m.contains("rope_parameters has fields [factor] that gpt_neox's default RoPE does not use"), m);
    }

    @Test
    void groupedQueriesAndHeadSizesOtherThanHiddenOverHeadsCannotBeWritten() {
        TransformerConfig c = NeoxConfigs.pythia();
        TransformerConfig gqa = c.withAttention(c.attention().withHeads(4, 2));
        TransformerConfig wide = c.withHidden(40, c.normEps());
        assertEquals(java.util.List.of("GPT-NeoX has one key/value head per query head; this model has 4 query heads"
                + " over 2 kv heads"), format.writeProblems(gqa));
        assertEquals(java.util.List.of("GPT-NeoX's head size is hidden_size / num_attention_heads = 40 / 4, but this"
                + " model's is 8: grow heads or head_dim along with hidden so that heads × head size = hidden"),
                format.writeProblems(wide));
    }

    /** A query_key_value of another size is named with the parts it should hold and how they are fused. */
    @Test
    void aQueryKeyValueOfTheWrongShapeIsNamedWithItsParts() throws IOException {
        Path out = writeWithConfig("narrow", """
                {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": 16,
                 "intermediate_size": 40, "max_position_embeddings": 16, "num_attention_heads": 2,
                 "num_hidden_layers": 2, "vocab_size": 43, "rotary_pct": 0.25}""");
        String m = assertThrows(CheckpointException.class, () -> format.read(out)).getMessage();
        assertTrue(m.contains("gpt_neox.layers.1.attention.query_key_value.weight in model.safetensors: expected"
                + " shape [48, 16], got [96, 32] (layers.1.wq 16 rows + layers.1.wk 16 rows + layers.1.wv 16 rows,"
                + " fused head by head over 2 heads)"), m);
    }

    /** Writes a random Pythia-shaped model, then replaces its config.json with {@code json}. */
    private Path writeWithConfig(String name, String json) throws IOException {
        Path out = dir.resolve(name);
        format.write(RandomModels.create(NeoxConfigs.pythia(), DType.F32, 6), out);
        ObjectNode parsed = (ObjectNode) SafetensorsFile.JSON.readTree(json);
        Files.writeString(out.resolve("config.json"), parsed.toString());
        return out;
    }

    private static Set<String> tensorNames(Path modelDir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return new TreeSet<>(SafetensorsFile.open(modelDir.resolve("model.safetensors"), arena).entries()
                    .keySet());
        }
    }
}
