package io.grow4j.model.format;

import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Qwen3 and OLMo-2 directories in their published layout (transformers' Qwen3ForCausalLM and Olmo2ForCausalLM):
 * tensor names and shapes, config keys and defaults, bit-exact round trips.
 */
class QkNormFamiliesFormatTest {
    private final HfDirectoryFormat format = new HfDirectoryFormat();

    @TempDir
    Path dir;

    static TransformerConfig qwen3(boolean bias) {
        return new TransformerConfig(Architecture.QWEN3, 37, 24, 2, 64, new AttentionConfig(4, 2, 8, 8, bias),
                new MlpConfig(40, Activation.SWIGLU, false), 1e-6, new Positions.Rope(1e6, RopeLayout.HALF_SPLIT),
                false);
    }

    static TransformerConfig olmo2(boolean tied) {
        return new TransformerConfig(Architecture.OLMO2, 41, 24, 2, 64, new AttentionConfig(4, 4, 6, 6, false),
                new MlpConfig(36, Activation.SWIGLU, false), 1e-6, new Positions.Rope(5e5, RopeLayout.HALF_SPLIT),
                tied);
    }

    @Test
    void qwen3StoresPerHeadQkNormsAndExplicitHeadDim() throws IOException {
        Model model = RandomModels.create(qwen3(true), DType.BF16, 3);
        Path out = dir.resolve("qwen3");
        format.write(model, out);
        JsonNode config = readJson(out.resolve("config.json"));
        assertEquals("qwen3", config.get("model_type").asText());
        assertEquals("Qwen3ForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(8, config.get("head_dim").asInt());
        assertTrue(config.get("attention_bias").asBoolean());
        Set<String> names = tensorNames(out);
        assertTrue(names.contains("model.layers.1.self_attn.q_norm.weight"), names.toString());
        assertTrue(names.contains("model.layers.1.self_attn.k_norm.weight"), names.toString());
        assertTrue(names.contains("model.layers.0.input_layernorm.weight"), names.toString());
        assertTrue(names.contains("model.layers.0.self_attn.o_proj.bias"), "attention_bias biases o_proj too");
        assertEquals("[8]", shape(out, "model.layers.0.self_attn.q_norm.weight"));
        assertSameModel(model, format.read(out));
    }

    /** Qwen3Config's head_dim defaults to 128, not hidden_size / num_attention_heads. */
    @Test
    void qwen3HeadDimDefaultsTo128() throws IOException {
        TransformerConfig wide = new TransformerConfig(Architecture.QWEN3, 37, 256, 1, 64,
                new AttentionConfig(4, 2, 128, 128, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-6,
                new Positions.Rope(1e6, RopeLayout.HALF_SPLIT), true);
        Path out = dir.resolve("qwen3-default");
        format.write(RandomModels.create(wide, DType.F32, 4), out);
        Path config = out.resolve("config.json");
        ObjectNode json = (ObjectNode) readJson(config);
        json.remove("head_dim");
        Files.writeString(config, json.toString());
        assertEquals(128, format.read(out).config().attention().keySize(), "256 / 4 would be 64");
    }

    @Test
    void olmo2StoresPostBranchNormsAndWholeProjectionQkNorms() throws IOException {
        Model model = RandomModels.create(olmo2(false), DType.F32, 5);
        Path out = dir.resolve("olmo2");
        format.write(model, out);
        JsonNode config = readJson(out.resolve("config.json"));
        assertEquals("olmo2", config.get("model_type").asText());
        assertEquals("Olmo2ForCausalLM", config.get("architectures").get(0).asText());
        Set<String> names = tensorNames(out);
        assertTrue(names.contains("model.layers.1.post_attention_layernorm.weight"), names.toString());
        assertTrue(names.contains("model.layers.1.post_feedforward_layernorm.weight"), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.contains("input_layernorm")), "OLMo-2 has no pre-norm");
        assertEquals("[24]", shape(out, "model.layers.0.self_attn.q_norm.weight"), "4 heads x 6");
        assertEquals("[24]", shape(out, "model.layers.0.self_attn.k_norm.weight"));
        assertSameModel(model, format.read(out));
    }

    /** Olmo2Config has no head_dim by default: hidden_size / num_attention_heads, and eps defaults to 1e-5. */
    @Test
    void olmo2DefaultsAsTransformersDoes() throws IOException {
        Path out = dir.resolve("olmo2-defaults");
        format.write(RandomModels.create(olmo2(true), DType.F32, 6), out);
        Path config = out.resolve("config.json");
        ObjectNode json = (ObjectNode) readJson(config);
        json.remove("head_dim");
        json.remove("rms_norm_eps");
        Files.writeString(config, json.toString());
        TransformerConfig read = format.read(out).config();
        assertEquals(6, read.attention().keySize());
        assertEquals(1e-5, read.normEps());
        assertEquals(Architecture.OLMO2, read.architecture());
    }

    private static Set<String> tensorNames(Path modelDir) throws IOException {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            return new TreeSet<>(SafetensorsFile.open(modelDir.resolve("model.safetensors"), arena).entries()
                    .keySet());
        }
    }

    private static String shape(Path modelDir, String name) throws IOException {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            SafetensorsFile file = SafetensorsFile.open(modelDir.resolve("model.safetensors"), arena);
            return Tensor.shapeString(file.mapped(file.entries().get(name)).shape());
        }
    }

    private static JsonNode readJson(Path file) throws IOException {
        return SafetensorsFile.JSON.readTree(file.toFile());
    }
}
