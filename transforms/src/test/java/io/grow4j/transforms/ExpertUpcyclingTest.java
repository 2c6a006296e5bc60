package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Architecture;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.transforms.steps.ExpertUpcycling;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dense-to-MoE upcycling and the paper's steps on mixture-of-experts models, held to DESIGN 4's bounds (≤ 1e-12 in
 * double from F64 files, ≤ 1e-5 relative in single precision from F32 files), after writing and re-reading mixtral
 * directories wherever the family can hold the model.
 */
class ExpertUpcyclingTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final HfDirectoryFormat FORMAT = new HfDirectoryFormat();

    @TempDir
    Path dir;

    static Stream<Arguments> upcyclings() {
        List<Arguments> cases = new ArrayList<>();
        for (TransformerConfig c : List.of(TestConfigs.llama(RopeLayout.HALF_SPLIT, false),
                TestConfigs.llama(RopeLayout.HALF_SPLIT, true), TestConfigs.mistral())) {
            for (int experts : new int[] {4, 8}) {
                cases.add(Arguments.of(c.architecture().id() + (c.tiedEmbeddings() ? " tied" : "") + " into "
                        + experts + " experts, top-2", c, experts));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("upcyclings")
    void upcyclingKeepsTheLogitsThroughAMixtralDirectory(String name, TransformerConfig config, int experts)
            throws IOException {
        GrowthPlan plan = new GrowthPlan(7, List.of(new ExpertUpcycling(experts, 2)));
        TransformerConfig grown = plan.apply(config);
        assertEquals(Architecture.MIXTRAL, grown.architecture());
        assertEquals(experts, grown.mlp().experts());
        assertPreserved(name, config, plan, true);
    }

    /**
     * Qwen2's Q/K/V biases have no place in a mixtral directory (MixtralAttention has none, and qwen2_moe is not
     * done yet): the upcycled model runs in memory within the bounds, and writing it is refused with the reason.
     */
    @Test
    void qwen2UpcycledKeepsTheLogitsInMemoryAndItsDirectoryIsRefused() throws IOException {
        for (int experts : new int[] {4, 8}) {
            TransformerConfig qwen2 = TestConfigs.qwen2(false);
            GrowthPlan plan = new GrowthPlan(3, List.of(new ExpertUpcycling(experts, 2)));
            assertPreserved("qwen2 into " + experts, qwen2, plan, false);
            assertEquals(List.of("mixtral stores no attention biases; this model has Q/K/V biases true, O bias false"),
                    FORMAT.writeProblems(plan.apply(qwen2)));
        }
    }

    static Stream<Arguments> paperSteps() {
        TransformerConfig c = mixtral(false);
        int k = c.attention().keySize();
        List<Arguments> cases = new ArrayList<>();
        for (GrowthStep step : List.of(new MlpExpansion(c.mlp().size() + 8),
                new HeadAddition(c.attention().queriesPerGroup(), false), new HeadAddition(c.attention().kvHeads(), true),
                new HiddenExpansion(c.hidden() + 8), new HeadDimExpansion(2 * k), new LayerAddition(1, List.of(0)),
                new LayerAddition(2, List.of()))) {
            cases.add(Arguments.of("mixtral " + step, step));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paperSteps")
    void everyPaperStepOnMixtralKeepsTheLogits(String name, GrowthStep step) throws IOException {
        assertPreserved(name, mixtral(false), new GrowthPlan(5, List.of(step)), true);
        assertPreserved(name + " tied", mixtral(true), new GrowthPlan(6, List.of(step)), true);
    }

    @Test
    void seededRandomChainsAfterUpcyclingKeepTheLogits() throws IOException {
        Random random = new Random(12);
        TransformerConfig llama = TestConfigs.llama(RopeLayout.HALF_SPLIT, false);
        for (int chain = 0; chain < 3; chain++) {
            List<GrowthStep> steps = new ArrayList<>(List.of(new ExpertUpcycling(4, 2)));
            steps.addAll(RandomSteps.chain(new GrowthPlan(0, steps).apply(llama), 3, random));
            assertPreserved("llama chain " + steps, llama, new GrowthPlan(chain, steps), true);
        }
    }

    /** The grown router is no trivial one: different tokens are sent to different experts. */
    @Test
    void theArbitraryRouterSpreadsTokensOverExperts() {
        Model grown = GROWER.grow(RandomModels.create(TestConfigs.mistral(), DType.F64, 1),
                new GrowthPlan(9, List.of(new ExpertUpcycling(8, 2))));
        Tensor router = grown.tensor(Role.ROUTER, 0);
        Tensor embedding = grown.tensor(Role.TOKEN_EMBEDDING);
        int hidden = grown.config().hidden();
        java.util.Set<Integer> firstChoices = new java.util.TreeSet<>();
        for (int token = 0; token < grown.config().vocabSize(); token++) {
            int best = -1;
            double bestLogit = Double.NEGATIVE_INFINITY;
            for (int e = 0; e < 8; e++) {
                double logit = 0;
                for (int i = 0; i < hidden; i++) {
                    logit += router.get((long) e * hidden + i) * embedding.get((long) token * hidden + i);
                }
                if (logit > bestLogit) {
                    bestLogit = logit;
                    best = e;
                }
            }
            firstChoices.add(best);
        }
        assertTrue(firstChoices.size() >= 4, "router sends every token to one of " + firstChoices);
    }

    /**
     * A zero router ties every expert on every token: the choice falls deterministically on the lowest indices, the
     * chosen weights are 1/k each, and the upcycled model is still exact.
     */
    @Test
    void aRouterThatTiesEveryExpertStaysExact() {
        Model original = RandomModels.create(TestConfigs.mistral(), DType.F64, 1);
        Model grown = GROWER.grow(original, new GrowthPlan(9, List.of(new ExpertUpcycling(4, 2))));
        java.util.Map<TensorKey, Tensor> tensors = new java.util.TreeMap<>(grown.tensors());
        for (int l = 0; l < grown.config().layers(); l++) {
            tensors.put(TensorKey.of(Role.ROUTER, l), Tensor.allocate(DType.F64, 4, grown.config().hidden()));
        }
        Model tied = grown.derive(grown.config(), tensors);
        int[] tokens = Logits.randomTokens(original.config().vocabSize(), 10, 3);
        double d = Logits.maxDiffDouble(original, tied, tokens);
        assertTrue(d <= 1e-12, "tied router moved the logits by " + d);
        double[] f = Logits.maxDiffFloat(original.convertTo(DType.F32), tied.convertTo(DType.F32), tokens);
        assertTrue(f[0] <= 1e-5 * f[1], "single precision moved by " + f[0]);
    }

    /** Experts are really routed: changing one expert that some token uses changes the logits. */
    @Test
    void aChangedExpertChangesTheLogits() {
        Model grown = GROWER.grow(RandomModels.create(TestConfigs.mistral(), DType.F64, 1),
                new GrowthPlan(9, List.of(new ExpertUpcycling(4, 2))));
        int[] tokens = Logits.randomTokens(grown.config().vocabSize(), 10, 3);
        int changed = 0;
        for (int expert = 0; expert < 4; expert++) {
            java.util.Map<TensorKey, Tensor> tensors = new java.util.TreeMap<>(grown.tensors());
            Tensor down = grown.tensor(Role.EXPERT_DOWN, 0);
            Tensor copy = Tensor.allocate(DType.F64, down.shape());
            long slice = down.size() / 4;
            for (long i = 0; i < down.size(); i++) {
                copy.set(i, down.get(i) * (i / slice == expert ? 2 : 1));
            }
            tensors.put(TensorKey.of(Role.EXPERT_DOWN, 0), copy);
            if (Logits.maxDiffDouble(grown, grown.derive(grown.config(), tensors), tokens) > 1e-6) {
                changed++;
            }
        }
        assertTrue(changed >= 2, "only " + changed + " of 4 experts are ever chosen in 10 tokens with top-2");
    }

    @Test
    void badInputIsRefusedNamingTheStep() {
        TransformerConfig llama = TestConfigs.llama(RopeLayout.HALF_SPLIT, false);
        assertEquals(List.of("step 1 (moe): top_k 5 exceeds experts 4: a token cannot use more experts than there"
                + " are"), problems(llama, new ExpertUpcycling(4, 5)));
        assertEquals(List.of("step 1 (moe): top_k must be at least 1, got 0"), problems(llama, new ExpertUpcycling(4, 0)));
        assertEquals(List.of("step 1 (moe): experts must be at least 1, got 0"),
                problems(llama, new ExpertUpcycling(0, 2)));
        assertEquals(List.of("step 1 (moe): mixtral is already a mixture of 4 experts; adding experts to it is not"
                + " exact in general (a new expert takes routing weight or changes the top-k), so only dense models"
                + " are upcycled"), problems(mixtral(false), new ExpertUpcycling(8, 2)));
        assertEquals(List.of("step 1 (moe): gpt2 has no mixture-of-experts family to upcycle into (llama and mistral"
                + " become mixtral)", "step 1 (moe): experts are SwiGLU MLPs without biases; this model's MLP is"
                + " GELU_TANH with biases"), problems(TestConfigs.gpt2(false), new ExpertUpcycling(4, 2)));
        assertEquals(List.of("step 2 (moe): mixtral is already a mixture of 4 experts; adding experts to it is not"
                + " exact in general (a new expert takes routing weight or changes the top-k), so only dense models"
                + " are upcycled"), new GrowthPlan(1, List.of(new ExpertUpcycling(4, 2), new ExpertUpcycling(4, 2)))
                .problems(llama));
    }

    /** Refused before any device is opened, so this runs on machines without OpenCL. */
    @Test
    void theDeviceGrowerRefusesUpcyclingWithItsReason() {
        Model llama = RandomModels.create(TestConfigs.mistral(), DType.F32, 1);
        PlanException e = org.junit.jupiter.api.Assertions.assertThrows(PlanException.class,
                () -> io.grow4j.transforms.device.DeviceGrower.grow(llama,
                        new GrowthPlan(1, List.of(new ExpertUpcycling(4, 2))), null));
        assertEquals(List.of("step 1 (moe): upcycling to experts runs on the host, not on an OpenCL device (grow"
                + " without --device)"), e.problems());
    }

    /** A mixtral-shaped model: Mistral's attention (GQA 4 over 2), 4 SwiGLU experts, top-2. */
    static TransformerConfig mixtral(boolean tied) {
        TransformerConfig mistral = TestConfigs.mistral();
        TransformerConfig dense = tied ? new TransformerConfig(mistral.architecture(), mistral.vocabSize(),
                mistral.hidden(), mistral.layers(), mistral.maxSeqLen(), mistral.attention(), mistral.mlp(),
                mistral.normEps(), mistral.positions(), true) : mistral;
        return dense.withArchitecture(Architecture.MIXTRAL, dense.mlp().withExperts(4, 2));
    }

    private static List<String> problems(TransformerConfig config, GrowthStep step) {
        return new GrowthPlan(1, List.of(step)).problems(config);
    }

    private void assertPreserved(String name, TransformerConfig config, GrowthPlan plan, boolean throughDirectory)
            throws IOException {
        assertEquals(List.of(), plan.problems(config), name + " is accepted");
        int[] tokens = Logits.randomTokens(config.vocabSize(), 10, 3);
        Model original = RandomModels.create(config, DType.F64, 31);
        Model grown = GROWER.grow(original, plan);
        double direct = Logits.maxDiffDouble(original, grown, tokens);
        assertTrue(direct <= 1e-12, name + ": logits moved by " + direct + " in memory");
        Model single = RandomModels.create(config, DType.F32, 32);
        Model grownSingle = GROWER.grow(single, plan);
        if (throughDirectory) {
            double reread = Logits.maxDiffDouble(original, writeAndRead(grown, "f64"), tokens);
            assertTrue(reread <= 1e-12, name + ": logits moved by " + reread + " after writing and re-reading");
            grownSingle = writeAndRead(grownSingle, "f32");
            assertEquals(DType.F32, grownSingle.dtype());
        }
        double[] d = Logits.maxDiffFloat(single, grownSingle, tokens);
        assertTrue(d[0] <= 1e-5 * d[1], name + ": single precision moved by " + d[0] + " (largest " + d[1] + ")");
    }

    private Model writeAndRead(Model model, String kind) throws IOException {
        Path out = dir.resolve(model.config().architecture().id() + "-" + kind + "-" + System.nanoTime());
        FORMAT.write(model, out);
        return FORMAT.read(out);
    }
}
