package io.grow4j.train;

import io.grow4j.model.Activation;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Architecture;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train --init's config: config.json's keys in YAML, read by the family's codec, and every refusal at once. */
class InitConfigTest {
    private static final String LLAMA = """
            model_type: llama
            vocab_size: 258
            hidden_size: 32
            intermediate_size: 48
            num_hidden_layers: 2
            num_attention_heads: 4
            num_key_value_heads: 2
            max_position_embeddings: 64
            rms_norm_eps: 1.0e-5
            tie_word_embeddings: true
            """;

    @TempDir
    Path dir;

    @Test
    void readsTheSizesInConfigJsonKeysWithTransformersDefaultsForTheRest() throws IOException {
        List<String> problems = new ArrayList<>();
        TransformerConfig config = InitConfig.read(write(LLAMA), 64, problems);
        assertEquals(List.of(), problems);
        // rope_theta 10000 and HF's half-split RoPE rows: LlamaConfig's defaults, as transformers reads them
        assertEquals(new TransformerConfig(Architecture.LLAMA, 258, 32, 2, 64, new AttentionConfig(4, 2, 8, 8, false),
                new MlpConfig(48, Activation.SWIGLU, false), 1e-5, new Positions.Rope(10000, RopeLayout.HALF_SPLIT),
                true), config);
    }

    /** JSON is YAML: a model's config.json starts a run from scratch in its shape. */
    @Test
    void aConfigJsonIsAnInitConfig() throws IOException {
        Path json = Files.writeString(dir.resolve("config.json"), """
                {"model_type": "mixtral", "architectures": ["MixtralForCausalLM"], "vocab_size": 300,
                 "hidden_size": 32, "intermediate_size": 40, "num_hidden_layers": 1, "num_attention_heads": 2,
                 "num_key_value_heads": 1, "num_local_experts": 4, "max_position_embeddings": 128,
                 "bos_token_id": 1, "torch_dtype": "float32"}
                """);
        List<String> problems = new ArrayList<>();
        TransformerConfig config = InitConfig.read(json, 32, problems);
        // a mixture of experts has no backward pass: refused naming what it lacks, not trained wrongly
        assertNull(config);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("--init " + json + ": ")
                && p.contains("backward pass")), problems.toString());
    }

    /**
     * GPT2Config's attribute_map: hidden_size, num_hidden_layers, num_attention_heads and max_position_embeddings
     * set n_embd, n_layer, n_head and n_positions in transformers, so they must not be dropped for GPT-2 small's
     * 768 x 12 layers.
     */
    @Test
    void gpt2ReadsTheCommonNamesOfItsSizes() throws IOException {
        List<String> problems = new ArrayList<>();
        TransformerConfig config = InitConfig.read(write("""
                model_type: gpt2
                vocab_size: 258
                hidden_size: 64
                num_hidden_layers: 2
                num_attention_heads: 4
                max_position_embeddings: 128
                """), 32, problems);
        assertEquals(List.of(), problems);
        assertEquals(64, config.hidden());
        assertEquals(2, config.layers());
        assertEquals(4, config.attention().queryHeads());
        assertEquals(128, config.maxSeqLen());
        assertEquals(256, config.mlp().size());
    }

    /** A from-scratch config without its sizes describes no model; GPT2Config's defaults would train GPT-2 small. */
    @Test
    void gpt2WithoutSizesIsRefusedNotDefaultedToGpt2Small() throws IOException {
        List<String> problems = new ArrayList<>();
        Path file = write("model_type: gpt2\nvocab_size: 258\nn_head: 4\n");
        assertNull(InitConfig.read(file, 32, problems));
        assertTrue(problems.contains("--init " + file + ": missing hidden_size (or n_embd)"), problems.toString());
        assertTrue(problems.contains("--init " + file + ": missing num_hidden_layers (or n_layer)"),
                problems.toString());
        assertEquals(2, problems.size(), problems.toString());
    }

    @Test
    void listsEveryProblemOfABadConfigTogether() throws IOException {
        Path file = write("""
                model_type: llama
                vocab_size: 258
                hidden_size: 30
                num_hidden_layers: 2
                num_attention_heads: 4
                max_position_embeddings: 16
                """);
        List<String> problems = new ArrayList<>();
        assertNull(InitConfig.read(file, 32, problems));
        for (String fragment : List.of("missing intermediate_size",
                "num_attention_heads 4 does not divide hidden_size 30 (or give head_dim)",
                "--context 32 exceeds max_position_embeddings 16")) {
            assertTrue(problems.stream().anyMatch(p -> p.startsWith("--init " + file + ": ") && p.contains(fragment)),
                    "no problem containing '" + fragment + "' in " + problems);
        }
    }

    /**
     * A bad size or a missing rope_scaling field is reported once, not again through the placeholder it was read as:
     * a hidden_size of -64 used to add "missing head_dim" and "partial_rotary_factor ... int(head_dim 1 x 1.0)",
     * and a llama3 scaling without its frequency factors "high_freq_factor 1.0 must exceed low_freq_factor 1.0".
     */
    @Test
    void aBadFieldIsReportedWithoutFollowOnProblemsFromItsPlaceholder() throws IOException {
        Map<String, List<String>> expected = Map.of(
                LLAMA.replace("hidden_size: 32", "hidden_size: -64"),
                List.of("hidden_size must be an integer >= 1, got -64"),
                LLAMA.replace("hidden_size: 32", "hidden_size: thirty"),
                List.of("hidden_size must be an integer >= 1, got \"thirty\""),
                LLAMA.replace("hidden_size: 32", "hidden_size: 30"),
                List.of("num_attention_heads 4 does not divide hidden_size 30 (or give head_dim)", "missing head_dim"),
                LLAMA + "rope_scaling: {rope_type: llama3, factor: 8.0}\n",
                List.of("missing rope_scaling.low_freq_factor", "missing rope_scaling.high_freq_factor",
                        "missing rope_scaling.original_max_position_embeddings"));
        for (Map.Entry<String, List<String>> c : expected.entrySet()) {
            Path file = write(c.getKey());
            List<String> problems = new ArrayList<>();
            assertNull(InitConfig.read(file, 32, problems));
            assertEquals(c.getValue().stream().map(p -> "--init " + file + ": " + p).sorted().toList(),
                    problems.stream().sorted().toList());
        }
    }

    /** Without a family nothing else can be read, but the raw sizes are still checked. */
    @Test
    void anUnknownFamilyIsNamedWithTheSupportedOnesAndTheRawSizesAreStillChecked() throws IOException {
        Path file = write(LLAMA.replace("model_type: llama", "model_type: llamma").replace("hidden_size: 32",
                "hidden_size: 33"));
        List<String> problems = new ArrayList<>();
        assertNull(InitConfig.read(file, 128, problems));
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("num_attention_heads 4 does not divide hidden_size 33"), problems.get(0));
        assertTrue(problems.get(1).contains("unknown model_type \"llamma\" (supported: ")
                && problems.get(1).contains("llama"), problems.get(1));
        assertTrue(problems.get(2).contains("--context 128 exceeds max_position_embeddings 64"), problems.get(2));
    }

    /** The default maximum applies when the config leaves it out (LlamaConfig: 2048). */
    @Test
    void theContextIsCheckedAgainstTheDefaultMaximumToo() throws IOException {
        Path file = write(LLAMA.replace("max_position_embeddings: 64\n", ""));
        List<String> problems = new ArrayList<>();
        assertNotNull(InitConfig.read(file, 2048, problems));
        assertNull(InitConfig.read(file, 2049, problems));
        assertEquals(List.of("--init " + file + ": --context 2049 exceeds max_position_embeddings 2048"), problems);
    }

    @Test
    void refusesWhatIsNoConfig() throws IOException {
        List<String> problems = new ArrayList<>();
        assertNull(InitConfig.read(write("hidden_size: [32\n"), 32, problems));
        assertNull(InitConfig.read(write("- llama\n"), 32, problems));
        assertNull(InitConfig.read(write("model_type: llama\nmodel_type: mistral\n"), 32, problems));
        assertNull(InitConfig.read(dir.resolve("absent.yaml"), 32, problems));
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("not valid YAML"), problems.get(0));
        assertTrue(problems.get(1).contains("expected a mapping of config.json keys"), problems.get(1));
        assertTrue(problems.get(2).contains("not valid YAML: Duplicate field 'model_type'"), problems.get(2));
        assertTrue(problems.get(3).endsWith("absent.yaml: no such file"), problems.get(3));
    }

    /** The same config and seed give the same weights; InitialWeights' scheme, so the first loss is near ln(vocab). */
    @Test
    void seededWeightsOfTheConfig() throws IOException {
        TransformerConfig config = InitConfig.read(write(LLAMA), 64, new ArrayList<>());
        Parameters a = InitialWeights.create(config, 5);
        Parameters b = InitialWeights.create(config, 5);
        Parameters c = InitialWeights.create(config, 6);
        a.arrays().forEach((key, values) -> {
            assertTrue(java.util.Arrays.equals(values, b.arrays().get(key)), key.toString());
            assertTrue(key.role().isNorm() || !java.util.Arrays.equals(values, c.arrays().get(key)), key.toString());
        });
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "config", ".yaml"), yaml);
    }
}
