package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Architecture;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.GgufMetadata;
import io.grow4j.model.format.GgufValue;
import io.grow4j.transforms.steps.ExpertUpcycling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.SequencedMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF qwen2moe (llama.cpp's Qwen2-MoE): a random model is written and read back bit for bit, seeded chains of steps
 * through the file keep the logits (≤ 1e-12 double, ≤ 1e-5 relative single), and qwen2 upcycled with
 * norm_topk_prob false becomes an exact qwen2moe file. llama.cpp never renormalises qwen2moe's top-k weights, so a
 * model that does (norm_topk_prob true) is refused with that reason, as is one without the shared expert llama.cpp
 * requires.
 */
class Qwen2MoeGgufTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final GgufFormat GGUF = new GgufFormat();

    @TempDir
    Path dir;

    @Test
    void aQwen2MoeFileReadsBackAsTheModelItWasWrittenFrom() throws IOException {
        for (boolean tied : new boolean[] {false, true}) {
            Model model = RandomModels.create(ExpertUpcyclingTest.qwen2Moe(tied, false), DType.F32, 3);
            Path file = write(model);
            Model reread = GGUF.read(file);
            assertEquals(model.config(), reread.config());
            assertEquals(model.tensors().keySet(), reread.tensors().keySet());
            model.tensors().forEach((key, t) -> {
                assertArrayEquals(t.shape(), reread.tensor(key).shape(), key.toString());
                assertEquals(-1, t.data().mismatch(reread.tensor(key).data()), key + " bit for bit");
            });
            SequencedMap<String, GgufValue> m = metadata(reread);
            assertEquals("qwen2moe", ((GgufValue.Str) m.get("general.architecture")).text());
            assertEquals(4L, integer(m, "qwen2moe.expert_count"));
            assertEquals(2L, integer(m, "qwen2moe.expert_used_count"));
            assertEquals(20L, integer(m, "qwen2moe.expert_feed_forward_length"));
            assertEquals(24L, integer(m, "qwen2moe.expert_shared_feed_forward_length"));
        }
    }

    @Test
    void seededRandomChainsKeepTheLogitsThroughQwen2MoeFiles() throws IOException {
        Random random = new Random(29);
        for (int chain = 0; chain < 3; chain++) {
            TransformerConfig start = ExpertUpcyclingTest.qwen2Moe(chain == 1, false);
            assertPreserved(start, new GrowthPlan(chain, RandomSteps.chain(start, 3, random)));
        }
    }

    /**
     * norm_topk_prob false: a zero router gives each expert 1/E, and each copy's down projection × E/k makes the k
     * chosen copies sum to the dense output, for E = 4 and 8 (E/k a power of two) and 6 with top-4 (not one).
     */
    @Test
    void qwen2UpcycledWithoutRenormalisationIsAnExactQwen2MoeFile() throws IOException {
        for (int[] ek : new int[][] {{4, 2}, {8, 2}, {6, 4}}) {
            for (boolean tied : new boolean[] {false, true}) {
                TransformerConfig qwen2 = TestConfigs.qwen2(tied);
                GrowthPlan plan = new GrowthPlan(3, List.of(new ExpertUpcycling(ek[0], ek[1], false)));
                TransformerConfig grown = plan.apply(qwen2);
                assertEquals(Architecture.QWEN2_MOE, grown.architecture());
                assertFalse(grown.mlp().normTopK());
                assertPreserved(qwen2, plan);
            }
        }
    }

    /** The source's qwen2.* keys become qwen2moe.* keys: llama.cpp reads only its architecture's own. */
    @Test
    void upcyclingAQwen2FileRenamesItsKeys() throws IOException {
        Path dense = write(RandomModels.create(TestConfigs.qwen2(false), DType.F32, 5));
        Model upcycled = GROWER.grow(GGUF.read(dense), new GrowthPlan(3, List.of(new ExpertUpcycling(4, 2, false))));
        SequencedMap<String, GgufValue> m = metadata(GGUF.read(write(upcycled)));
        assertEquals(List.of(), m.keySet().stream().filter(k -> k.startsWith("qwen2.")).toList());
        assertEquals(16L, integer(m, "qwen2moe.embedding_length"));
        assertEquals(30L, integer(m, "qwen2moe.expert_feed_forward_length"));
    }

    @Test
    void aRenormalisingModelIsRefusedWithTheReason() throws IOException {
        Model normalised = RandomModels.create(ExpertUpcyclingTest.qwen2Moe(false, true), DType.F32, 3);
        Path out = dir.resolve("refused.gguf");
        String message = assertThrows(IllegalArgumentException.class, () -> GGUF.write(normalised, out))
                .getMessage();
        assertTrue(message.contains("build_moe_ffn with norm_w false") && message.contains("norm_topk_prob true")
                && message.contains("upcycle with norm_topk_prob: false"), message);
        assertFalse(Files.exists(out));
        Model upcycled = GROWER.grow(RandomModels.create(TestConfigs.qwen2(false), DType.F32, 3),
                new GrowthPlan(3, List.of(new ExpertUpcycling(4, 2))));
        assertTrue(GGUF.writeProblems(upcycled.config()).getFirst().contains("norm_topk_prob true"),
                GGUF.writeProblems(upcycled.config()).toString());
    }

    @Test
    void aModelWithoutTheSharedExpertIsRefusedWithTheReason() {
        TransformerConfig c = ExpertUpcyclingTest.qwen2Moe(false, false);
        TransformerConfig bare = c.withMlp(c.mlp().withSharedExpert(0, false));
        assertEquals(List.of("GGUF qwen2moe: llama.cpp's loader requires a shared expert; this model has none: write a"
                + " directory instead"), GGUF.writeProblems(bare));
    }

    /** Mixtral has no norm_topk_prob: asking for unrenormalised routing there is a plan problem. */
    @Test
    void unrenormalisedUpcyclingOfLlamaIsRefused() {
        List<String> problems = new ExpertUpcycling(4, 2, false).problems(
                TestConfigs.llama(io.grow4j.model.RopeLayout.HALF_SPLIT, false));
        assertEquals(List.of("norm_topk_prob false: mixtral always renormalises the chosen experts' weights (only"
                + " qwen2_moe has the flag)"), problems);
    }

    /** The zero router and E/k are what make it exact: an arbitrary router, or unscaled copies, move the logits. */
    @Test
    void withoutTheUniformRouterOrTheScaledCopiesTheUpcyclingIsNotExact() {
        TransformerConfig qwen2 = TestConfigs.qwen2(false);
        Model original = RandomModels.create(qwen2, DType.F64, 31);
        Model grown = GROWER.grow(original, new GrowthPlan(3, List.of(new ExpertUpcycling(4, 2, false))));
        int[] tokens = Logits.randomTokens(qwen2.vocabSize(), 10, 3);
        assertTrue(Logits.maxDiffDouble(original, grown, tokens) <= 1e-12);
        Model arbitraryRouter = GROWER.grow(original, new GrowthPlan(3, List.of(new ExpertUpcycling(4, 2))));
        Model unrenormalised = arbitraryRouter.derive(grown.config(), arbitraryRouter.tensors());
        assertTrue(Logits.maxDiffDouble(original, unrenormalised, tokens) > 1e-3);
        java.util.Map<io.grow4j.model.TensorKey, Tensor> halved = new java.util.TreeMap<>(grown.tensors());
        for (int l = 0; l < qwen2.layers(); l++) {
            Tensor down = grown.tensor(Role.EXPERT_DOWN, l);
            Tensor unscaled = Tensor.allocate(DType.F64, down.shape());
            for (long i = 0; i < down.size(); i++) {
                unscaled.set(i, down.get(i) / 2);
            }
            halved.put(io.grow4j.model.TensorKey.of(Role.EXPERT_DOWN, l), unscaled);
        }
        assertTrue(Logits.maxDiffDouble(original, grown.derive(grown.config(), halved), tokens) > 1e-3);
    }

    private void assertPreserved(TransformerConfig config, GrowthPlan plan) throws IOException {
        String name = config.architecture().id() + (config.tiedEmbeddings() ? " tied " : " ") + plan.steps();
        assertEquals(List.of(), plan.problems(config), name);
        int[] tokens = Logits.randomTokens(config.vocabSize(), 10, 3);
        Model original = GGUF.read(write(RandomModels.create(config, DType.F64, 31)));
        Model grown = GGUF.read(write(GROWER.grow(original, plan)));
        assertEquals(plan.apply(config), grown.config(), name);
        double d = Logits.maxDiffDouble(original, grown, tokens);
        assertTrue(d <= 1e-12, name + ": logits moved by " + d);

        Model single = GGUF.read(write(RandomModels.create(config, DType.F32, 32)));
        double[] s = Logits.maxDiffFloat(single, GGUF.read(write(GROWER.grow(single, plan))), tokens);
        assertTrue(s[0] <= 1e-5 * s[1], name + ": single precision moved by " + s[0] + " (largest " + s[1] + ")");
    }

    private Path write(Model model) throws IOException {
        Path file = dir.resolve(model.config().architecture().id() + "-" + System.nanoTime() + ".gguf");
        GGUF.write(model, file);
        return file;
    }

    private static SequencedMap<String, GgufValue> metadata(Model model) {
        return GgufMetadata.of(model).orElseThrow().entries();
    }

    private static long integer(SequencedMap<String, GgufValue> m, String key) {
        return ((GgufValue.Int) m.get(key)).value();
    }
}
