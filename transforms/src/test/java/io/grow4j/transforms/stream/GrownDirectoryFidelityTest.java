package io.grow4j.transforms.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.TestConfigs;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A grown (or converted) Hugging Face directory keeps everything of the source but what the change decides, on the
 * streamed path and the in-memory path alike: every non-weight file (tokenizer, generation config, chat template, in
 * subdirectories too) as an identical copy and no link, and a config.json that differs from the source's only in the
 * keys growth changed, with the source's key order, its null values and its unknown keys; the source is untouched.
 */
class GrownDirectoryFidelityTest {
    private static final HfDirectoryFormat FORMAT = new HfDirectoryFormat();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A hub-style Qwen2 config.json of {@link TestConfigs#qwen2}: keys grow4j reads, keys it does not, nulls. */
    private static final String SOURCE_CONFIG = """
            {
              "architectures": ["Qwen2ForCausalLM"],
              "attention_dropout": 0.0,
              "bos_token_id": 1,
              "eos_token_id": [2, 3],
              "hidden_act": "silu",
              "hidden_size": 16,
              "initializer_range": 0.02,
              "intermediate_size": 30,
              "layer_types": ["full_attention", "full_attention"],
              "max_position_embeddings": 16,
              "max_window_layers": 21,
              "model_type": "qwen2",
              "num_attention_heads": 4,
              "num_hidden_layers": 2,
              "num_key_value_heads": 2,
              "pad_token_id": null,
              "rms_norm_eps": 1e-06,
              "rope_scaling": null,
              "rope_theta": 1000000,
              "sliding_window": null,
              "tie_word_embeddings": false,
              "torch_dtype": "float32",
              "transformers_version": "4.57.1",
              "use_cache": true,
              "use_sliding_window": false,
              "vocab_size": 35
            }
            """;
    /** Non-weight files of a hub directory, by relative path. */
    private static final Map<String, String> FILES = Map.of(
            "tokenizer.json", "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}",
            "tokenizer_config.json", "{\"chat_template\": \"{% for m in messages %}{{ m.content }}{% endfor %}\"}",
            "special_tokens_map.json", "{\"eos_token\": \"<|endoftext|>\"}",
            "generation_config.json", "{\"bos_token_id\": 1, \"eos_token_id\": [2, 3], \"do_sample\": true}",
            "vocab.json", "{\"a\": 0}",
            "merges.txt", "#version: 0.2\na b\n",
            "chat_template.jinja", "{{ messages }}",
            "README.md", "# a model\n",
            "extra/notes/training.txt", "lr 3e-4\n");
    /**
     * The changes a hidden, MLP and layer growth makes: head_dim is new because hidden / heads no longer is it, and
     * hidden expansion rescales the RMSNorm epsilon.
     */
    private static final Set<String> GROWN_KEYS = Set.of("hidden_size", "intermediate_size", "num_hidden_layers",
            "head_dim", "layer_types", "rms_norm_eps");

    @TempDir
    Path tmp;
    private Path source;
    private final GrowthPlan plan = new GrowthPlan(1, List.of(new MlpExpansion(40), new HiddenExpansion(24),
            new LayerAddition(1, List.of(0))));

    @BeforeEach
    void writeSource() throws IOException {
        source = tmp.resolve("source");
        FORMAT.write(RandomModels.create(TestConfigs.qwen2(false), DType.F32, 5), source);
        Files.writeString(source.resolve("config.json"), SOURCE_CONFIG);
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            Files.createDirectories(source.resolve(f.getKey()).getParent());
            Files.writeString(source.resolve(f.getKey()), f.getValue());
        }
        // A hub cache snapshot links its files to blobs: the output gets a copy, not the link.
        Path blob = Files.write(tmp.resolve("blob"), new byte[] {0, 1, 2, (byte) 255});
        Files.createSymbolicLink(source.resolve("tokenizer.model"), blob);
        // A linked subdirectory's files are carried too.
        Path shared = Files.createDirectories(tmp.resolve("shared-templates"));
        Files.writeString(shared.resolve("tool_use.jinja"), "{{ tools }}");
        Files.createSymbolicLink(source.resolve("templates"), shared);
        // Weights in another format describe the source model, git's store holds the source's history: not carried.
        Files.write(source.resolve("pytorch_model.bin"), new byte[] {7});
        Files.createDirectories(source.resolve(".git/objects"));
        Files.writeString(source.resolve(".git/objects/ab"), "blob");
    }

    @Test
    void streamedGrowthKeepsEveryNonWeightFileAndKey() throws IOException {
        Map<String, String> before = digests(source);
        Path out = tmp.resolve("streamed");
        new StreamingGrower(new CpuPadKernel(), StreamOptions.DEFAULTS).grow(source, plan, out, StreamProgress.NONE);
        assertKeptEverything(out, GROWN_KEYS);
        assertEquals(before, digests(source), "the source directory changed");
    }

    @Test
    void inMemoryGrowthKeepsEveryNonWeightFileAndKey() throws IOException {
        Map<String, String> before = digests(source);
        Path out = tmp.resolve("memory");
        FORMAT.write(new Grower(new CpuPadKernel()).grow(FORMAT.read(source), plan), out);
        assertKeptEverything(out, GROWN_KEYS);
        assertEquals(before, digests(source), "the source directory changed");
    }

    @Test
    void bothPathsWriteTheSameConfig() throws IOException {
        Path streamed = tmp.resolve("streamed");
        new StreamingGrower(new CpuPadKernel(), StreamOptions.DEFAULTS).grow(source, plan, streamed,
                StreamProgress.NONE);
        Path memory = tmp.resolve("memory");
        FORMAT.write(new Grower(new CpuPadKernel()).grow(FORMAT.read(source), plan), memory);
        assertEquals(Files.readString(memory.resolve("config.json")), Files.readString(streamed.resolve("config.json")));
    }

    /** convert to another dtype changes torch_dtype only. */
    @Test
    void dtypeConversionChangesTorchDtypeOnly() throws IOException {
        Path out = tmp.resolve("bf16");
        FORMAT.write(FORMAT.read(source).convertTo(DType.BF16), out);
        assertKeptEverything(out, Set.of("torch_dtype"));
        assertEquals("bfloat16", readJson(out.resolve("config.json")).get("torch_dtype").asText());
    }

    @Test
    void unchangedModelWritesTheSourceConfigBack() throws IOException {
        Path out = tmp.resolve("same");
        Model read = FORMAT.read(source);
        FORMAT.write(read, out);
        assertEquals(readJson(source.resolve("config.json")), readJson(out.resolve("config.json")));
    }

    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of("llama", TestConfigs.llama(RopeLayout.HALF_SPLIT, false),
                        List.of(new MlpExpansion(64), new LayerAddition(1, List.of(0)))),
                Arguments.of("mistral", TestConfigs.mistral(), List.of(new HiddenExpansion(24))),
                Arguments.of("gpt2", TestConfigs.gpt2(false), List.of(new HiddenExpansion(15),
                        new HeadDimExpansion(5), new LayerAddition(1, List.of()))),
                Arguments.of("bert", TestConfigs.bert(true), List.of(new MlpExpansion(48))));
    }

    /** Keys no codec reads (hub configs hold many), null values among them, survive growth in every family. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void everyFamilyCarriesKeysItDoesNotReadAndFiles(String name, TransformerConfig config, List<GrowthStep> steps)
            throws IOException {
        Path in = tmp.resolve(name);
        FORMAT.write(RandomModels.create(config, DType.F32, 3), in);
        Path configFile = in.resolve("config.json");
        Files.writeString(configFile, Files.readString(configFile).replaceFirst("\\{", "{\"summary_activation\": null,"
                + " \"task_specific_params\": {\"text-generation\": {\"do_sample\": true}}, \"bos_token_id\": 7,"
                + " \"initializer_range\": 0.02,"));
        Files.writeString(in.resolve("tokenizer.json"), "{}");
        Files.createDirectories(in.resolve("sub"));
        Files.writeString(in.resolve("sub/vocab.txt"), "a\nb\n");
        Path out = tmp.resolve(name + "-grown");
        FORMAT.write(new Grower(new CpuPadKernel()).grow(FORMAT.read(in), new GrowthPlan(1, steps)), out);
        JsonNode was = readJson(configFile);
        JsonNode now = readJson(out.resolve("config.json"));
        List<String> carried = List.of("summary_activation", "task_specific_params", "bos_token_id",
                "initializer_range");
        List<String> first = new ArrayList<>();
        now.fieldNames().forEachRemaining(first::add);
        assertEquals(carried, first.subList(0, carried.size()), "key order: " + now);
        carried.forEach(key -> assertEquals(was.get(key), now.get(key), key));
        assertEquals("{}", Files.readString(out.resolve("tokenizer.json")));
        assertEquals("a\nb\n", Files.readString(out.resolve("sub/vocab.txt")));
    }

    /** Layers of different attention types: nothing says which a new layer gets, so both paths refuse first. */
    @Test
    void perLayerListsWithDifferentValuesRefuseAddingLayers() throws IOException {
        Path config = source.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"full_attention\", \"full_attention\"",
                "\"full_attention\", \"sliding_attention\""));
        String expected = "config.json layer_types gives the 2 source layers different values";
        PlanException e = assertThrows(PlanException.class, () -> new StreamingGrower(new CpuPadKernel(),
                StreamOptions.DEFAULTS).grow(source, plan, tmp.resolve("streamed"), StreamProgress.NONE));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("streamed")));
        Model read = FORMAT.read(source);
        assertTrue(FORMAT.writeProblems(read, plan.apply(read.config())).stream().anyMatch(p -> p.contains(expected)));

        GrowthPlan sameLayers = new GrowthPlan(1, List.of(new MlpExpansion(40)));
        Path out = tmp.resolve("mlp");
        new StreamingGrower(new CpuPadKernel(), StreamOptions.DEFAULTS).grow(source, sameLayers, out,
                StreamProgress.NONE);
        assertEquals(readJson(config).get("layer_types"), readJson(out.resolve("config.json")).get("layer_types"));
    }

    /** A file that cannot be read cannot be carried: the model still reads, a write refuses before any work. */
    @Test
    void anUnreadableSourceFileIsReportedBeforeGrowing() throws IOException {
        Files.createSymbolicLink(source.resolve("added_tokens.json"), tmp.resolve("deleted-blob"));
        Model read = FORMAT.read(source);
        String expected = "source file " + source.resolve("added_tokens.json") + " cannot be read";
        assertTrue(FORMAT.writeProblems(read, plan.apply(read.config())).stream().anyMatch(p -> p.startsWith(expected)));
        PlanException e = assertThrows(PlanException.class, () -> new StreamingGrower(new CpuPadKernel(),
                StreamOptions.DEFAULTS).grow(source, plan, tmp.resolve("streamed"), StreamProgress.NONE));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("streamed")));
    }

    private void assertKeptEverything(Path out, Set<String> changed) throws IOException {
        JsonNode was = readJson(source.resolve("config.json"));
        JsonNode now = readJson(out.resolve("config.json"));
        Set<String> differing = new TreeSet<>();
        List<String> names = new ArrayList<>();
        now.fieldNames().forEachRemaining(names::add);
        was.fieldNames().forEachRemaining(n -> {
            if (!was.get(n).equals(now.get(n))) {
                differing.add(n);
            }
        });
        names.stream().filter(n -> !was.has(n)).forEach(differing::add);
        assertEquals(new TreeSet<>(changed), differing, "config.json keys that differ from the source's: " + now);
        List<String> sourceOrder = new ArrayList<>();
        was.fieldNames().forEachRemaining(sourceOrder::add);
        assertEquals(sourceOrder, names.subList(0, sourceOrder.size()), "source key order");
        assertTrue(now.get("sliding_window").isNull(), "a null value stays null: " + now);

        Map<String, String> expected = digests(source);
        expected.keySet().removeIf(f -> f.endsWith(".safetensors") || f.equals("config.json")
                || f.equals("pytorch_model.bin") || f.startsWith(".git/"));
        assertTrue(expected.containsKey("templates/tool_use.jinja"));
        Map<String, String> actual = digests(out);
        actual.keySet().removeIf(f -> f.endsWith(".safetensors") || f.endsWith(".index.json")
                || f.equals("config.json"));
        assertEquals(expected, actual, "non-weight files of the output");
        assertFalse(Files.isSymbolicLink(out.resolve("tokenizer.model")), "copied, not linked");
        assertFalse(Files.exists(out.resolve("pytorch_model.bin")), "stale weights of another format carried");
        assertFalse(Files.isSymbolicLink(out.resolve("templates")), "copied, not linked");
    }

    private static JsonNode readJson(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** sha-256 of every file under {@code dir} by relative path (links followed). */
    private static Map<String, String> digests(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(dir.relativize(p).toString().replace('\\', '/'), sha256(Files.readAllBytes(p)));
                }
            }
        }
        return out;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
