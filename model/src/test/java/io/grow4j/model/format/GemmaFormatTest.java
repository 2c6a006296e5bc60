package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.AttentionShape.LayerAttention;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static io.grow4j.model.AttentionShape.LayerAttention.FULL;
import static io.grow4j.model.AttentionShape.LayerAttention.SLIDING;
import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gemma 2 and Gemma 3 (text) directories in transformers' layout: tensor names, config keys, transformers' defaults,
 * both RoPE spellings (4.x top-level keys, 5.x rope_parameters per layer type), and bad input named.
 */
class GemmaFormatTest {
    private final HfDirectoryFormat format = new HfDirectoryFormat();

    @TempDir
    Path dir;

    static TransformerConfig gemma2() {
        return new TransformerConfig(Architecture.GEMMA2, 37, 24, 3, 64, new AttentionConfig(4, 2, 8, 8, false),
                new MlpConfig(40, Activation.GEGLU_TANH, false), 1e-6, new Positions.Rope(1e4, RopeLayout.HALF_SPLIT),
                true, 0, false, new AttentionShape(12, 50, 30, 4, 0, List.of(SLIDING, FULL, SLIDING)));
    }

    static TransformerConfig gemma3() {
        return new TransformerConfig(Architecture.GEMMA3, 41, 24, 3, 64, new AttentionConfig(4, 1, 6, 6, false),
                new MlpConfig(36, Activation.GEGLU_TANH, false), 1e-6,
                new Positions.Rope(1e6, RopeLayout.HALF_SPLIT, new RopeScaling.Linear(8.0)), false, 0, false,
                new AttentionShape(6, 0, 0, 4, 1e4, List.of(SLIDING, SLIDING, FULL)));
    }

    @Test
    void gemma2StoresFourNormsPerBlockAndItsAttentionNumbers() throws IOException {
        Model model = RandomModels.create(gemma2(), DType.BF16, 3);
        Path out = dir.resolve("gemma2");
        format.write(model, out);
        JsonNode config = readJson(out.resolve("config.json"));
        assertEquals("gemma2", config.get("model_type").asText());
        assertEquals("Gemma2ForCausalLM", config.get("architectures").get(0).asText());
        assertEquals("gelu_pytorch_tanh", config.get("hidden_activation").asText());
        assertTrue(config.get("query_pre_attn_scalar").isInt(), "an int, as transformers types it");
        assertEquals(12, config.get("query_pre_attn_scalar").asInt());
        assertEquals(50, config.get("attn_logit_softcapping").asDouble());
        assertEquals(30, config.get("final_logit_softcapping").asDouble());
        assertEquals(4, config.get("sliding_window").asInt());
        assertEquals("[\"sliding_attention\",\"full_attention\",\"sliding_attention\"]",
                config.get("layer_types").toString());
        Set<String> names = tensorNames(out);
        for (String norm : List.of("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                "post_feedforward_layernorm")) {
            assertTrue(names.contains("model.layers.2." + norm + ".weight"), norm + " in " + names);
        }
        assertFalse(names.contains("lm_head.weight"), "tied");
        assertFalse(names.stream().anyMatch(n -> n.contains("q_norm")), "Gemma 2 has no QK-norm");
        assertSameModel(model, format.read(out));
    }

    @Test
    void gemma3StoresQkNormsAndTheLocalBase() throws IOException {
        Model model = RandomModels.create(gemma3(), DType.F32, 4);
        Path out = dir.resolve("gemma3");
        format.write(model, out);
        JsonNode config = readJson(out.resolve("config.json"));
        assertEquals("gemma3_text", config.get("model_type").asText());
        assertEquals("Gemma3ForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(1e4, config.get("rope_local_base_freq").asDouble());
        assertEquals(1e6, config.get("rope_theta").asDouble());
        assertEquals("linear", config.get("rope_scaling").get("rope_type").asText());
        assertTrue(config.get("final_logit_softcapping").isNull());
        assertFalse(config.has("attn_logit_softcapping"), "Gemma 3's attention does not read it");
        Set<String> names = tensorNames(out);
        assertTrue(names.contains("model.layers.0.self_attn.q_norm.weight"), names.toString());
        assertTrue(names.contains("model.layers.0.self_attn.k_norm.weight"), names.toString());
        assertTrue(names.contains("lm_head.weight"), "untied");
        assertSameModel(model, format.read(out));
    }

    /** The multimodal wrapper is refused with what it is and why, pointing at its text model's model_type. */
    @Test
    void multimodalGemma3IsRefusedWithTheReason() throws IOException {
        Path out = dir.resolve("gemma3-multimodal");
        format.write(RandomModels.create(gemma3(), DType.F32, 5), out);
        ObjectNode wrapper = SafetensorsFile.JSON.createObjectNode();
        wrapper.put("model_type", "gemma3");
        wrapper.set("text_config", readJson(out.resolve("config.json")));
        wrapper.putObject("vision_config").put("model_type", "siglip_vision_model");
        SafetensorsFile.JSON.writeValue(out.resolve("config.json").toFile(), wrapper);
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("model_type \"gemma3\" is Gemma3ForConditionalGeneration, text and vision"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Its text model alone is model_type gemma3_text"), e.getMessage());
    }

    /** What a config.json leaves out means what transformers' Gemma2Config and Gemma3TextConfig default to. */
    @Test
    void missingKeysDefaultAsTransformersDoes() throws CheckpointException {
        ObjectNode g2 = minimal();
        TransformerConfig c2 = parse("gemma2", g2);
        AttentionShape s2 = c2.attentionShape();
        assertEquals(List.of(SLIDING, FULL, SLIDING, FULL, SLIDING, FULL, SLIDING), s2.layerTypes());
        assertEquals(new AttentionShape(256, 50, 30, 4096, 0, s2.layerTypes()), s2);
        assertEquals(256, c2.attention().keySize());
        assertEquals(8192, c2.maxSeqLen());
        assertEquals(1e4, ((Positions.Rope) c2.positions()).theta());
        assertTrue(c2.tiedEmbeddings());

        TransformerConfig c3 = parse("gemma3_text", minimal());
        assertEquals(List.of(SLIDING, SLIDING, SLIDING, SLIDING, SLIDING, FULL, SLIDING),
                c3.attentionShape().layerTypes(), "sliding_window_pattern 6");
        assertEquals(new AttentionShape(256, 0, 0, 4096, 1e4, c3.attentionShape().layerTypes()),
                c3.attentionShape());
        assertEquals(1e6, ((Positions.Rope) c3.positions()).theta());
        assertEquals(131072, c3.maxSeqLen());
        ObjectNode pattern = minimal().put("sliding_window_pattern", 3);
        assertEquals(List.of(SLIDING, SLIDING, FULL, SLIDING, SLIDING, FULL, SLIDING),
                parse("gemma3_text", pattern).attentionShape().layerTypes());

        ObjectNode nullCaps = minimal();
        nullCaps.putNull("attn_logit_softcapping");
        nullCaps.putNull("final_logit_softcapping");
        AttentionShape uncapped = parse("gemma2", nullCaps).attentionShape();
        assertEquals(0, uncapped.attentionSoftCap(), "null is no cap, not the default 50");
        assertEquals(0, uncapped.finalSoftCap());
    }

    /** transformers 5.x spells Gemma 3's RoPE as rope_parameters per layer type; read it and keep the spelling. */
    @Test
    void gemma3RopeParametersPerLayerType() throws CheckpointException {
        ObjectNode json = minimal();
        ObjectNode p = json.putObject("rope_parameters");
        p.putObject("sliding_attention").put("rope_type", "default").put("rope_theta", 5e3);
        p.putObject("full_attention").put("rope_type", "linear").put("factor", 4.0).put("rope_theta", 2e6);
        TransformerConfig c = parse("gemma3_text", json);
        Positions.Rope rope = (Positions.Rope) c.positions();
        assertEquals(2e6, rope.theta());
        assertEquals(new RopeScaling.Linear(4.0), rope.scaling());
        assertEquals(5e3, c.attentionShape().localRopeTheta());

        ObjectNode written = json.deepCopy();
        GemmaConfigCodec.GEMMA3.write(c, written);
        assertEquals(5e3, written.at("/rope_parameters/sliding_attention/rope_theta").asDouble());
        assertEquals(2e6, written.at("/rope_parameters/full_attention/rope_theta").asDouble());
        assertEquals("linear", written.at("/rope_parameters/full_attention/rope_type").asText());
        assertFalse(written.has("rope_theta") || written.has("rope_local_base_freq") || written.has("rope_scaling"),
                written.toString());
        assertEquals(c, parse("gemma3_text", written));
    }

    @Test
    void badConfigsNameEveryField() {
        ObjectNode json = minimal().put("hidden_activation", "silu").put("use_bidirectional_attention", true);
        json.putArray("layer_types").add("sliding_attention").add("chunked_attention");
        CheckpointException e = assertThrows(CheckpointException.class, () -> parse("gemma2", json));
        assertTrue(e.getMessage().contains("hidden_activation must be one of [gelu_pytorch_tanh], got \"silu\""),
                e.getMessage());
        assertTrue(e.getMessage().contains("use_bidirectional_attention true"), e.getMessage());
        assertTrue(e.getMessage().contains("layer_types entry \"chunked_attention\" is neither"), e.getMessage());
        assertEquals(List.of("gemma3 does not soft-cap attention logits in transformers (Gemma3Attention ignores"
                + " attn_logit_softcapping); this model caps them at 2.0"), GemmaConfigCodec.GEMMA3.problems(
                gemma3().withAttentionShape(new AttentionShape(6, 2, 0, 4, 1e4, List.of(SLIDING, SLIDING, FULL)))));
    }

    /** GGUF holds Gemma where llama.cpp derives the same numbers: a query_pre_attn_scalar of its own it cannot. */
    @Test
    void ggufRefusesGemmaWithTheReason() {
        assertEquals(List.of("query_pre_attn_scalar is 12.0, but llama.cpp's gemma2 scales attention by key_length^-0.5"
                + " = 8^-0.5 for 3 layers, and GGUF has no key for it: write a directory instead"),
                new GgufFormat().writeProblems(gemma2()));
    }

    /** The one grouping check shared by the Llama-style and Gemma codecs, reported with the config's other problems. */
    @Test
    void keyValueHeadsThatDoNotDivideTheQueryHeadsAreNamed() {
        for (String type : List.of("llama", "qwen2_moe", "gemma2", "gemma3_text")) {
            ObjectNode json = minimal().put("num_attention_heads", 4).put("num_key_value_heads", 3)
                    .put("vocab_size", -1);
            CheckpointException e = assertThrows(CheckpointException.class, () -> parse(type, json));
            assertTrue(e.getMessage().contains("num_attention_heads 4 is not a multiple of num_key_value_heads 3"),
                    type + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("vocab_size must be an integer >= 1, got -1"),
                    type + ": " + e.getMessage());
        }
    }

    private static ObjectNode minimal() {
        return SafetensorsFile.JSON.createObjectNode().put("hidden_size", 64).put("intermediate_size", 128)
                .put("num_hidden_layers", 7).put("num_attention_heads", 2).put("num_key_value_heads", 1)
                .put("vocab_size", 50);
    }

    private static TransformerConfig parse(String modelType, ObjectNode json) throws CheckpointException {
        return HfDirectoryFormat.parseConfig(HfFamily.byModelType(modelType), Path.of("config.json"), json);
    }

    private static Set<String> tensorNames(Path modelDir) throws IOException {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            return new TreeSet<>(SafetensorsFile.open(modelDir.resolve("model.safetensors"), arena).entries()
                    .keySet());
        }
    }

    private static JsonNode readJson(Path file) throws IOException {
        return SafetensorsFile.JSON.readTree(file.toFile());
    }
}
