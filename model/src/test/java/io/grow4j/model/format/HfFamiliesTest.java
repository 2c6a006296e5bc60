package io.grow4j.model.format;

import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Mistral, Qwen2, GPT-2 and BERT directories: round trips, storage layouts, name variants, refusals. */
class HfFamiliesTest {
    private final HfDirectoryFormat format = new HfDirectoryFormat();

    @TempDir
    Path dir;

    static List<TransformerConfig> families() {
        return List.of(FamilyFixtures.mistral(), FamilyFixtures.qwen2(true), FamilyFixtures.qwen2(false),
                FamilyFixtures.gpt2(true), FamilyFixtures.gpt2(false), FamilyFixtures.bert(true),
                FamilyFixtures.bert(false));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void everyFamilyRoundTripsBitExactInItsDtype(DType dtype) throws IOException {
        for (TransformerConfig config : families()) {
            assertEquals(List.of(), format.writeProblems(config), config.toString());
            Model model = RandomModels.create(config, dtype, 31);
            Path out = dir.resolve(config.architecture().id() + "-" + config.hashCode() + "-" + dtype);
            format.write(model, out);
            assertSameModel(model, format.read(out));
        }
    }

    @Test
    void gpt2StoresConv1dTransposedAndQkvFused() throws IOException {
        Model model = RandomModels.create(FamilyFixtures.gpt2(true), DType.F32, 5);
        Path out = dir.resolve("gpt2");
        format.write(model, out);
        JsonNode config = readJson(out.resolve("config.json"));
        assertEquals("GPT2LMHeadModel", config.get("architectures").get(0).asText());
        assertEquals(12, config.get("n_embd").asInt());
        assertEquals(48, config.get("n_inner").asInt());
        assertEquals("gelu_new", config.get("activation_function").asText());
        Map<String, Tensor> stored = readSafetensors(out);
        assertFalse(stored.containsKey("lm_head.weight"), "tied head is not stored");
        Tensor cAttn = stored.get("h.1.attn.c_attn.weight");
        assertEquals("[12, 36]", Tensor.shapeString(cAttn.shape()));
        Tensor wk = model.tensor(Role.WK, 1);
        for (int out2 = 0; out2 < 12; out2++) {
            for (int in = 0; in < 12; in++) {
                assertEquals(wk.get(out2 * 12L + in), cAttn.get(in * 36L + 12 + out2), "c_attn[in][12 + out] = Wk");
            }
        }
        Tensor bias = stored.get("h.1.attn.c_attn.bias");
        assertEquals(model.tensor(Role.BV, 1).get(3), bias.get(24 + 3));
        assertEquals("[48, 12]", Tensor.shapeString(stored.get("h.0.mlp.c_proj.weight").shape()));
        assertEquals(model.tensor(Role.W_DOWN, 0).get(5 * 48 + 7), stored.get("h.0.mlp.c_proj.weight").get(7 * 12 + 5));
    }

    /** GPT2LMHeadModel's "transformer." names, its causal mask buffers and a tied lm_head copy all read. */
    @Test
    void gpt2ReadsPrefixedNamesAndSkipsBuffers() throws IOException {
        Model model = RandomModels.create(FamilyFixtures.gpt2(true), DType.F32, 6);
        Path out = dir.resolve("gpt2");
        format.write(model, out);
        Map<String, Tensor> stored = readSafetensors(out);
        SequencedMap<String, Tensor> renamed = new LinkedHashMap<>();
        stored.forEach((name, t) -> renamed.put("transformer." + name, t));
        renamed.put("transformer.h.0.attn.bias", Tensor.allocate(DType.F32, 1, 1, 10, 10));
        renamed.put("transformer.h.1.attn.masked_bias", Tensor.allocate(DType.F32));
        renamed.put("lm_head.weight", model.tensor(Role.TOKEN_EMBEDDING));
        replaceWeights(out, renamed);
        assertSameModel(model, format.read(out));
    }

    @Test
    void bertReadsBertPrefixAndFindsItsPoolerInTheTensors() throws IOException {
        Model pooled = RandomModels.create(FamilyFixtures.bert(true), DType.F32, 7);
        Path out = dir.resolve("bert");
        format.write(pooled, out);
        JsonNode config = readJson(out.resolve("config.json"));
        assertEquals("BertModel", config.get("architectures").get(0).asText());
        assertEquals(2, config.get("type_vocab_size").asInt());
        assertFalse(config.has("pooler"), "config.json does not say; the tensors do");
        SequencedMap<String, Tensor> renamed = new LinkedHashMap<>();
        readSafetensors(out).forEach((name, t) -> renamed.put("bert." + name, t));
        replaceWeights(out, renamed);
        assertSameModel(pooled, format.read(out));

        Model plain = RandomModels.create(FamilyFixtures.bert(false), DType.F32, 7);
        format.write(plain, dir.resolve("plain"));
        Model read = format.read(dir.resolve("plain"));
        assertFalse(read.config().pooler());
        assertSameModel(plain, read);
    }

    @Test
    void mistralCarriesSlidingWindowThroughReadAndWrite() throws IOException {
        Path first = dir.resolve("first");
        format.write(RandomModels.create(FamilyFixtures.mistral(), DType.BF16, 2), first);
        editConfig(first, c -> c.put("sliding_window", 4096));
        Model read = format.read(first);
        Path second = dir.resolve("second");
        format.write(read.derive(read.config().withLayers(1), withoutLayer1(read)), second);
        assertEquals(4096, readJson(second.resolve("config.json")).get("sliding_window").asInt());
        Path asLlama = dir.resolve("llama");
        Model llama = RandomModels.create(Fixtures.llama(false, io.grow4j.model.RopeLayout.HALF_SPLIT), DType.F32, 1);
        format.write(llama.derive(llama.config(), llama.tensors()), asLlama);
        assertFalse(readJson(asLlama.resolve("config.json")).has("sliding_window"));
    }

    private static Map<io.grow4j.model.TensorKey, Tensor> withoutLayer1(Model model) {
        Map<io.grow4j.model.TensorKey, Tensor> kept = new LinkedHashMap<>(model.tensors());
        kept.keySet().removeIf(k -> k.layer() == 1);
        return kept;
    }

    @Test
    void familyConfigDefaultsFollowTransformers() throws IOException {
        Path out = dir.resolve("gpt2");
        Model model = RandomModels.create(FamilyFixtures.gpt2(true), DType.F32, 3);
        format.write(model, out);
        // n_inner null means 4·n_embd; tie_word_embeddings defaults to true; activation to gelu_new
        Files.writeString(out.resolve("config.json"), """
                {"model_type": "gpt2", "n_embd": 12, "n_layer": 2, "n_head": 3, "n_positions": 10,
                 "n_inner": null, "vocab_size": 29, "layer_norm_epsilon": 1e-5, "n_ctx": 10, "bos_token_id": 0}
                """);
        assertSameModel(model, format.read(out));

        Path qwen = dir.resolve("qwen2");
        Model q = RandomModels.create(FamilyFixtures.qwen2(false), DType.F32, 3);
        format.write(q, qwen);
        JsonNode written = readJson(qwen.resolve("config.json"));
        assertEquals("Qwen2ForCausalLM", written.get("architectures").get(0).asText());
        assertFalse(written.has("attention_bias"), "Qwen2 has no such field: its Q/K/V biases are fixed");
    }

    @Test
    void functionChangingConfigFieldsAreRefusedTogether() throws IOException {
        Path gpt2 = dir.resolve("gpt2");
        format.write(RandomModels.create(FamilyFixtures.gpt2(true), DType.F32, 3), gpt2);
        editConfig(gpt2, c -> c.put("scale_attn_weights", false).put("scale_attn_by_inverse_layer_idx", true)
                .put("activation_function", "swish").put("n_head", 5));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(gpt2));
        for (String expected : List.of("scale_attn_weights false", "scale_attn_by_inverse_layer_idx true",
                "activation_function must be one of", "n_embd 12 is not a multiple of n_head 5")) {
            assertTrue(e.getMessage().contains(expected), expected + " in " + e.getMessage());
        }
        Path bert = dir.resolve("bert");
        format.write(RandomModels.create(FamilyFixtures.bert(false), DType.F32, 3), bert);
        editConfig(bert, c -> c.put("position_embedding_type", "relative_key").put("is_decoder", true));
        e = assertThrows(CheckpointException.class, () -> format.read(bert));
        for (String expected : List.of("position_embedding_type must be one of [absolute], got \"relative_key\"",
                "is_decoder true")) {
            assertTrue(e.getMessage().contains(expected), expected + " in " + e.getMessage());
        }
    }

    @Test
    void tensorsThatDisagreeNameTheTensorAndBothShapes() throws IOException {
        Path out = dir.resolve("gpt2");
        format.write(RandomModels.create(FamilyFixtures.gpt2(true), DType.F32, 3), out);
        editConfig(out, c -> c.put("n_inner", 40));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("h.0.mlp.c_fc.weight in model.safetensors: expected shape [12, 40], got"
                + " [12, 48] (layers.0.w_up, stored [in, out])"), e.getMessage());
        editConfig(out, c -> c.put("n_inner", 48).put("n_embd", 15).put("n_head", 5));
        e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("h.1.attn.c_attn.weight in model.safetensors: expected shape [15, 45], got"
                + " [12, 36] (layers.1.wq 15 rows + layers.1.wk 15 rows + layers.1.wv 15 rows, stored [in, out])"),
                e.getMessage());
        Path bert = dir.resolve("bert");
        format.write(RandomModels.create(FamilyFixtures.bert(true), DType.F32, 3), bert);
        SequencedMap<String, Tensor> extra = new LinkedHashMap<>(readSafetensors(bert));
        extra.put("cls.predictions.bias", Tensor.allocate(DType.F32, 27));
        replaceWeights(bert, extra);
        e = assertThrows(CheckpointException.class, () -> format.read(bert));
        assertTrue(e.getMessage().contains("unexpected cls.predictions.bias [27] in model.safetensors"), e.getMessage());
    }

    @Test
    void writeProblemsNameWhatTheFamilyCannotHold() {
        TransformerConfig gpt2 = FamilyFixtures.gpt2(true);
        List<String> wide = format.writeProblems(gpt2.withHidden(16, 1e-5));
        assertEquals(1, wide.size(), wide.toString());
        assertTrue(wide.getFirst().contains("GPT-2's head size is n_embd / n_head = 16 / 3, but this model's is 4"),
                wide.toString());
        List<String> gqa = format.writeProblems(gpt2.withAttention(gpt2.attention().withHeads(3, 1)));
        assertTrue(gqa.getFirst().contains("one key/value head per query head"), gqa.toString());
        TransformerConfig bert = FamilyFixtures.bert(false);
        List<String> bertWide = format.writeProblems(bert.withHidden(24, 1e-12));
        assertTrue(bertWide.getFirst().contains("BERT's head size is hidden_size / num_attention_heads = 24 / 2"),
                bertWide.toString());
        TransformerConfig qwen = FamilyFixtures.qwen2(false);
        List<String> oBias = format.writeProblems(qwen.withAttention(new io.grow4j.model.AttentionConfig(4, 2, 4, 4,
                true, true)));
        assertTrue(oBias.getFirst().contains("qwen2 stores biases on Q, K and V and none on O"), oBias.toString());
        List<String> mistralBias = format.writeProblems(FamilyFixtures.mistral().withAttention(
                new io.grow4j.model.AttentionConfig(4, 2, 4, 4, true)));
        assertTrue(mistralBias.getFirst().contains("mistral stores no attention biases"), mistralBias.toString());
    }

    /** A GPT-2 widened without wider heads cannot be stored: refused before anything is written. */
    @Test
    void refusedWriteNamesTheProblemAndLeavesNothing() throws IOException {
        TransformerConfig wide = FamilyFixtures.gpt2(true).withHidden(16, 1e-5);
        Model model = RandomModels.create(wide, DType.F32, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> format.write(model, dir.resolve("out")));
        assertTrue(e.getMessage().contains("GPT-2's head size is n_embd / n_head = 16 / 3"), e.getMessage());
        assertEquals(List.of(), Fixtures.listing(dir));
    }

    @Test
    void streamedAccessRefusesFusedFamiliesAndReadsPlainOnes() throws IOException {
        Path gpt2 = dir.resolve("gpt2");
        format.write(RandomModels.create(FamilyFixtures.gpt2(true), DType.F32, 3), gpt2);
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.open(gpt2));
        assertTrue(e.getMessage().contains("gpt2 fuses or transposes tensors"), e.getMessage());
        assertFalse(HfCheckpoint.storesAsIs(FamilyFixtures.gpt2(true)));
        Path bert = dir.resolve("bert");
        Model model = RandomModels.create(FamilyFixtures.bert(true), DType.F32, 3);
        format.write(model, bert);
        HfCheckpoint checkpoint = HfCheckpoint.open(bert);
        assertEquals(model.config(), checkpoint.config());
        assertEquals(model.tensors().keySet(), checkpoint.tensors().keySet());
    }

    private static Map<String, Tensor> readSafetensors(Path modelDir) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        SafetensorsFile file = SafetensorsFile.open(modelDir.resolve("model.safetensors"),
                java.lang.foreign.Arena.ofAuto());
        file.entries().values().forEach(e -> out.put(e.name(), file.mapped(e)));
        return out;
    }

    private static void replaceWeights(Path modelDir, SequencedMap<String, Tensor> tensors) throws IOException {
        Path file = modelDir.resolve("model.safetensors");
        Files.delete(file);
        SafetensorsWriter.write(file, tensors);
    }

    private static JsonNode readJson(Path file) throws IOException {
        return SafetensorsFile.JSON.readTree(file.toFile());
    }

    private static void editConfig(Path modelDir, Consumer<ObjectNode> edit) throws IOException {
        Path file = modelDir.resolve("config.json");
        ObjectNode config = (ObjectNode) readJson(file);
        edit.accept(config);
        Files.writeString(file, config.toString());
    }
}
