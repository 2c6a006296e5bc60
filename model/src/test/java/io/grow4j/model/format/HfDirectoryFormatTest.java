package io.grow4j.model.format;

import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class HfDirectoryFormatTest {
    private final HfDirectoryFormat format = new HfDirectoryFormat();

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(DType.class)
    void llamaRoundTripIsBitExactInEveryDtype(DType dtype) throws IOException {
        for (boolean tied : new boolean[] {true, false}) {
            Model model = RandomModels.create(Fixtures.llama(tied, RopeLayout.HALF_SPLIT), dtype, 17);
            Path out = dir.resolve("llama-" + dtype + "-" + tied);
            format.write(model, out);
            assertSameModel(model, format.read(out));
            JsonNode config = readJson(out.resolve("config.json"));
            assertEquals(switch (dtype) {
                case F64 -> "float64";
                case F32 -> "float32";
                case F16 -> "float16";
                case BF16 -> "bfloat16";
            }, config.get("torch_dtype").asText());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void genericRoundTripKeepsLearnedPositionsBiasesAndSeparateHeadSizes(boolean tied) throws IOException {
        for (TransformerConfig config : List.of(Fixtures.genericLearned(tied),
                Fixtures.genericRope(RopeLayout.INTERLEAVED), Fixtures.genericRope(RopeLayout.HALF_SPLIT),
                genericSwiGluWithBiases())) {
            Model model = RandomModels.create(config, DType.F64, 23);
            Path out = dir.resolve("generic-" + tied + "-" + config.hashCode());
            format.write(model, out);
            assertSameModel(model, format.read(out));
        }
    }

    private static TransformerConfig genericSwiGluWithBiases() {
        return new TransformerConfig(Architecture.GENERIC, 16, 8, 1, 4, new AttentionConfig(2, 1, 2, 4, true),
                new MlpConfig(12, Activation.SWIGLU, true), 0.0, new Positions.Learned(), false);
    }

    @Test
    void interleavedLlamaIsStoredHalfSplit() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(false, RopeLayout.INTERLEAVED), DType.F32, 2);
        Path out = dir.resolve("llama");
        format.write(model, out);
        Model read = format.read(out);
        assertEquals(RopeLayout.HALF_SPLIT, ((Positions.Rope) read.config().positions()).layout());
        assertSameModel(RopePermutation.toLayout(model, RopeLayout.HALF_SPLIT), read);
        assertSameModel(model, RopePermutation.toLayout(read, RopeLayout.INTERLEAVED));
    }

    @Test
    void writesHuggingFaceNamesAndFields() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(false, RopeLayout.HALF_SPLIT), DType.BF16, 4);
        Path out = dir.resolve("llama");
        format.write(model, out);
        JsonNode config = readJson(out.resolve("config.json"));
        assertEquals("llama", config.get("model_type").asText());
        assertEquals("LlamaForCausalLM", config.get("architectures").get(0).asText());
        assertEquals("silu", config.get("hidden_act").asText());
        assertEquals(1e-5, config.get("rms_norm_eps").asDouble());
        assertEquals(10000.0, config.get("rope_theta").asDouble());
        assertEquals(4, config.get("head_dim").asInt());
        assertEquals(2, config.get("num_key_value_heads").asInt());
        assertEquals(24, config.get("intermediate_size").asInt());

        byte[] file = Files.readAllBytes(out.resolve("model.safetensors"));
        long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLength % 8, "data starts 8-byte aligned");
        JsonNode header = SafetensorsFile.JSON.readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
        assertEquals("pt", header.get("__metadata__").get("format").asText());
        JsonNode gate = header.get("model.layers.1.mlp.gate_proj.weight");
        assertEquals("BF16", gate.get("dtype").asText());
        assertEquals("[24,16]", gate.get("shape").toString());
        for (String name : List.of("model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
                "model.layers.1.self_attn.k_proj.weight", "model.layers.1.post_attention_layernorm.weight",
                "model.layers.0.mlp.down_proj.weight", "model.norm.weight", "lm_head.weight")) {
            assertTrue(header.has(name), name);
        }
        assertEquals(1 + 3 + 2 * 9, header.size(), "metadata, embedding, final norm, lm_head, 9 tensors per layer");
    }

    @Test
    void readsShardedCheckpoints() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(false, RopeLayout.HALF_SPLIT), DType.F32, 8);
        Path out = shard(model, "sharded");
        assertSameModel(model, format.read(out));
    }

    @Test
    void missingShardIsNamed() throws IOException {
        Path out = shard(RandomModels.create(Fixtures.llama(true, RopeLayout.HALF_SPLIT), DType.F32, 8), "sharded");
        Files.delete(out.resolve("model-00002-of-00002.safetensors"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("missing shard model-00002-of-00002.safetensors"), e.getMessage());
    }

    @Test
    void indexThatDisagreesWithShardsIsReported() throws IOException {
        Path out = shard(RandomModels.create(Fixtures.llama(true, RopeLayout.HALF_SPLIT), DType.F32, 8), "sharded");
        Path index = out.resolve("model.safetensors.index.json");
        ObjectNode json = (ObjectNode) readJson(index);
        ((ObjectNode) json.get("weight_map")).put("model.norm.weight", "model-00001-of-00002.safetensors");
        Files.writeString(index, json.toString());
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("weight_map puts model.norm.weight in model-00001-of-00002.safetensors,"
                + " which does not hold it"), e.getMessage());
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors holds model.norm.weight, which"
                + " weight_map does not list there"), e.getMessage());

        ((ObjectNode) json.get("weight_map")).put("model.norm.weight", "../elsewhere.safetensors");
        Files.writeString(index, json.toString());
        e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("not a shard file name in this directory"), e.getMessage());
    }

    /** Rewrites a written model as two shards plus an index, as transformers' save_pretrained does. */
    private Path shard(Model model, String name) throws IOException {
        Path out = dir.resolve(name);
        format.write(model, out);
        Files.delete(out.resolve("model.safetensors"));
        var first = new LinkedHashMap<String, Tensor>();
        var second = new LinkedHashMap<String, Tensor>();
        ObjectNode index = SafetensorsFile.JSON.createObjectNode();
        index.putObject("metadata").put("total_size", model.parameterCount() * 4);
        ObjectNode weightMap = index.putObject("weight_map");
        HfFamily family = HfFamily.byModelType("llama");
        family.tensorNames(model.config()).forEach((tensorName, key) -> {
            boolean early = key.layer() == 0 || key.role() == Role.TOKEN_EMBEDDING;
            (early ? first : second).put(tensorName, model.tensor(key));
            weightMap.put(tensorName, "model-0000" + (early ? 1 : 2) + "-of-00002.safetensors");
        });
        SafetensorsWriter.write(out.resolve("model-00001-of-00002.safetensors"), first);
        SafetensorsWriter.write(out.resolve("model-00002-of-00002.safetensors"), second);
        Files.writeString(out.resolve("model.safetensors.index.json"), index.toString());
        return out;
    }

    @Test
    void missingConfigOrWeightsAreReported() throws IOException {
        Path out = writeTiny("m");
        Files.delete(out.resolve("config.json"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains(out + ": no config.json"), e.getMessage());

        Path other = writeTiny("n");
        Files.delete(other.resolve("model.safetensors"));
        e = assertThrows(CheckpointException.class, () -> format.read(other));
        assertTrue(e.getMessage().contains("no model.safetensors or model.safetensors.index.json"), e.getMessage());
    }

    @Test
    void unknownOrMissingModelTypeListsSupportedOnes() throws IOException {
        Path out = writeTiny("m");
        editConfig(out, c -> c.put("model_type", "mamba"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        String supported = "(supported: llama, mistral, qwen2, qwen3, olmo2, gpt2, bert, mixtral, qwen2_moe, gemma2,"
                + " gemma3_text, gpt_neox, phi3, smollm3, grow4j-generic)";
        assertTrue(e.getMessage().contains("unknown model_type \"mamba\" " + supported), e.getMessage());
        editConfig(out, c -> c.remove("model_type"));
        e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("no model_type " + supported), e.getMessage());
    }

    @Test
    void badConfigFieldsAreAllReportedTogether() throws IOException {
        Path out = writeTiny("m");
        editConfig(out, c -> c.put("hidden_size", -3).put("hidden_act", "gelu").put("rms_norm_eps", "small")
                .putNull("rope_scaling").putObject("rope_scaling").put("type", "su"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        for (String expected : List.of("config.json: bad config", "hidden_size must be an integer >= 1, got -3",
                "hidden_act must be one of [silu], got \"gelu\"", "rms_norm_eps must be a non-negative number",
                "rope_scaling.rope_type 'su' is unknown (known: default, linear, llama3, dynamic, yarn, longrope)")) {
            assertTrue(e.getMessage().contains(expected), expected + " in " + e.getMessage());
        }
        Files.writeString(out.resolve("config.json"), "{\"model_type\": \"llama\",");
        e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("config.json: corrupt JSON"), e.getMessage());
    }

    @Test
    void minimalHuggingFaceConfigUsesTransformersDefaults() throws IOException {
        Model model = RandomModels.create(new TransformerConfig(Architecture.LLAMA, 32, 16, 1, 2048,
                new AttentionConfig(4, 4, 4, 4, false), new MlpConfig(24, Activation.SWIGLU, false), 1e-6,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false), DType.F32, 3);
        Path out = dir.resolve("minimal");
        format.write(model, out);
        Files.writeString(out.resolve("config.json"), """
                {"model_type": "llama", "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 1,
                 "num_attention_heads": 4, "vocab_size": 32, "bos_token_id": 1, "rope_scaling": null}
                """);
        assertSameModel(model, format.read(out));
    }

    @Test
    void genericConfigRefusesUnknownFieldsAndOtherVersions() throws IOException {
        Path out = dir.resolve("generic");
        format.write(RandomModels.create(Fixtures.genericLearned(false), DType.F32, 1), out);
        editConfig(out, c -> c.put("rope_theta", 10000.0).put("format_version", 2).put("key_sise", 3));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        for (String expected : List.of("format_version 2 is not supported", "unknown field rope_theta",
                "unknown field key_sise")) {
            assertTrue(e.getMessage().contains(expected), expected + " in " + e.getMessage());
        }
    }

    @Test
    void shapeMismatchesMissingAndUnexpectedTensorsAreReportedTogether() throws IOException {
        Path out = writeTiny("m");
        editConfig(out, c -> c.put("intermediate_size", 20).put("tie_word_embeddings", true).put("attention_bias",
                true));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        String m = e.getMessage();
        for (String expected : List.of(out + ": tensors disagree with config.json (model_type llama)",
                "model.layers.0.mlp.gate_proj.weight in model.safetensors: expected shape [20, 16], got [24, 16]",
                "model.layers.1.mlp.down_proj.weight in model.safetensors: expected shape [16, 20], got [16, 24]",
                "missing model.layers.1.self_attn.q_proj.bias (layers.1.bq), expected shape [16]",
                "lm_head.weight [32, 16] in model.safetensors differs from the embedding model.embed_tokens.weight"
                        + " although tie_word_embeddings is true")) {
            assertTrue(m.contains(expected), expected + " in " + m);
        }
    }

    @Test
    void corruptSafetensorsHeadersAreReportedWithOffsets() throws IOException {
        Path out = writeTiny("m");
        Path weights = out.resolve("model.safetensors");
        byte[] good = Files.readAllBytes(weights);

        byte[] garbage = good.clone();
        garbage[8 + 15] = '#'; // {"__metadata__"# instead of {"__metadata__":
        Files.write(weights, garbage);
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("model.safetensors: corrupt JSON header at offset 23"), e.getMessage());

        byte[] hugeLength = good.clone();
        ByteBuffer.wrap(hugeLength).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(weights, hugeLength);
        e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("corrupt header: length 1099511627776 at offset 0"), e.getMessage());

        Files.write(weights, Arrays.copyOf(good, 5));
        e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("truncated at offset 5 while reading the header length"), e.getMessage());

        Files.write(weights, Arrays.copyOf(good, good.length - 4));
        e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("model.layers.1.mlp.down_proj.weight: data_offsets"), e.getMessage());
        assertTrue(e.getMessage().contains("past the end of the file at offset " + (good.length - 4)), e.getMessage());
    }

    @Test
    void headerEntriesWithBadDtypeOrSizeAreNamed() throws IOException {
        Path out = writeTiny("m");
        Path weights = out.resolve("model.safetensors");
        rewriteHeader(weights, h -> {
            ((ObjectNode) h.get("model.norm.weight")).put("dtype", "F7");
            ((ObjectNode) h.get("model.embed_tokens.weight")).putArray("shape").add(32).add(15);
        });
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("model.norm.weight: dtype \"F7\" is no safetensors dtype (one of [BOOL,"),
                e.getMessage());
        assertTrue(e.getMessage().contains("model.embed_tokens.weight: data_offsets [0,2048] hold 2048 bytes, but"
                + " F32[32, 15] needs 1920"), e.getMessage());
    }

    /** Replaces the JSON header of a safetensors file, keeping the data (and its offsets) as they are. */
    private static void rewriteHeader(Path file, Consumer<ObjectNode> edit) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int length = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ObjectNode header = (ObjectNode) SafetensorsFile.JSON.readTree(new String(bytes, 8, length,
                StandardCharsets.UTF_8));
        edit.accept(header);
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + bytes.length - 8 - length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(bytes, 8 + length, bytes.length - 8 - length);
        Files.write(file, out.array());
    }

    @Test
    void writeProblemsForLlamaDirectories() {
        assertEquals(List.of(), format.writeProblems(Fixtures.llama(true, RopeLayout.INTERLEAVED)
                .withHidden(32, 5e-6)));
        assertEquals(List.of(), format.writeProblems(Fixtures.genericLearned(true)));
        TransformerConfig llamaRelu = Fixtures.llama(true, RopeLayout.INTERLEAVED)
                .withMlp(new MlpConfig(24, Activation.RELU, true));
        List<String> problems = format.writeProblems(llamaRelu);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("MLP is SwiGLU; this model uses RELU"), problems.toString());
        TransformerConfig mistralBiased = new TransformerConfig(Architecture.MISTRAL, 32, 16, 2, 8,
                new AttentionConfig(4, 2, 4, 4, false), new MlpConfig(24, Activation.SWIGLU, true), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);
        assertEquals(List.of("Hugging Face mistral's MLP has no biases; this model has them"),
                format.writeProblems(mistralBiased));
    }

    @Test
    void refusedWriteLeavesNothingOnDisk() throws IOException {
        TransformerConfig config = Fixtures.llama(true, RopeLayout.INTERLEAVED);
        Model model = RandomModels.create(config.withPositions(new Positions.Rope(10000, RopeLayout.INTERLEAVED,
                new RopeScaling.FrequencyDivisors(List.of(1.0, 4.0)))), DType.F32, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> format.write(model, dir.resolve("out")));
        assertTrue(e.getMessage().contains("no field for per-pair RoPE frequency divisors (GGUF rope_freqs.weight)"),
                e.getMessage());
        assertEquals(List.of(), Fixtures.listing(dir));
    }

    @Test
    void failedWriteLeavesNoTargetDirectory() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(true, RopeLayout.HALF_SPLIT), DType.F32, 1);
        Model broken = Fixtures.withReleasedTensor(model, Role.FINAL_NORM);
        assertThrows(IllegalStateException.class, () -> format.write(broken, dir.resolve("out")));
        assertEquals(List.of(), Fixtures.listing(dir), "neither out nor its temporary sibling");
    }

    @Test
    void existingNonEmptyDirectoryIsNotReplaced() throws IOException {
        Path out = writeTiny("m");
        List<Path> before = Fixtures.listing(out);
        Model other = RandomModels.create(Fixtures.genericLearned(true), DType.F32, 1);
        assertThrows(FileAlreadyExistsException.class, () -> format.write(other, out));
        assertEquals(before, Fixtures.listing(out));
        assertEquals(List.of(out), Fixtures.listing(dir));
        Files.createDirectory(dir.resolve("empty"));
        format.write(other, dir.resolve("empty"));
        assertSameModel(other, format.read(dir.resolve("empty")));
    }

    private Path writeTiny(String name) throws IOException {
        Path out = dir.resolve(name);
        format.write(RandomModels.create(Fixtures.llama(false, RopeLayout.HALF_SPLIT), DType.F32, 1), out);
        return out;
    }

    private static JsonNode readJson(Path file) throws IOException {
        return SafetensorsFile.JSON.readTree(file.toFile());
    }

    private static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode config = (ObjectNode) readJson(file);
        edit.accept(config);
        Files.writeString(file, config.toString());
    }
}
