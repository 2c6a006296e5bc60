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
     * Qwen2 becomes qwen2_moe: Q/K/V biases kept, a shared expert whose zero down projection adds nothing, and
     * norm_topk_prob set to true (qwen2_moe's default false would leave the chosen copies' weights summing below one).
     */
    @Test
    void qwen2UpcycledKeepsTheLogitsThroughAQwen2MoeDirectory() throws IOException {
        for (int experts : new int[] {4, 8}) {
            TransformerConfig qwen2 = TestConfigs.qwen2(false);
            GrowthPlan plan = new GrowthPlan(3, List.of(new ExpertUpcycling(experts, 2)));
            TransformerConfig grown = plan.apply(qwen2);
            assertEquals(Architecture.QWEN2_MOE, grown.architecture());
            assertEquals(qwen2.mlp().size(), grown.mlp().sharedSize());
            assertTrue(grown.mlp().normTopK());
            assertPreserved("qwen2 into " + experts, qwen2, plan, true);
        }
        Path out = dir.resolve("qwen2-moe");
        FORMAT.write(GROWER.grow(RandomModels.create(TestConfigs.qwen2(true), DType.F32, 2),
                new GrowthPlan(3, List.of(new ExpertUpcycling(4, 2)))), out);
        String json = java.nio.file.Files.readString(out.resolve("config.json"));
        for (String field : List.of("\"model_type\" : \"qwen2_moe\"", "\"num_experts\" : 4",
                "\"num_experts_per_tok\" : 2", "\"moe_intermediate_size\" : 30",
                "\"shared_expert_intermediate_size\" : 30", "\"norm_topk_prob\" : true",
                "\"decoder_sparse_step\" : 1", "Qwen2MoeForCausalLM")) {
            assertTrue(json.contains(field), field + " in " + json);
        }
    }

    /**
     * With norm_topk_prob false the chosen weights sum below one: the routed part then differs from a dense copy,
     * which is why upcycling sets it true. Checked here so that the forward passes really read the flag.
     */
    @Test
    void normTopKProbFalseWeighsTheChosenExpertsBySoftmaxAlone() {
        TransformerConfig qwen2 = TestConfigs.qwen2(false);
        Model original = RandomModels.create(qwen2, DType.F64, 31);
        Model grown = GROWER.grow(original, new GrowthPlan(3, List.of(new ExpertUpcycling(4, 2))));
        TransformerConfig c = grown.config();
        Model unnormalised = grown.derive(c.withMlp(c.mlp().withSharedExpert(c.mlp().sharedSize(), false)),
                grown.tensors());
        int[] tokens = Logits.randomTokens(qwen2.vocabSize(), 10, 3);
        assertTrue(Logits.maxDiffDouble(original, unnormalised, tokens) > 1e-3, "norm_topk_prob false is ignored");
        double[] f = Logits.maxDiffFloat(original.convertTo(DType.F32), unnormalised.convertTo(DType.F32), tokens);
        assertTrue(f[0] > 1e-3 * f[1], "the float pass ignores norm_topk_prob false");
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

    /** The same steps on qwen2_moe (shared expert, Q/K/V biases), with norm_topk_prob false and true. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("paperSteps")
    void everyPaperStepOnQwen2MoeKeepsTheLogits(String name, GrowthStep step) throws IOException {
        assertPreserved(name, qwen2Moe(false, false), new GrowthPlan(5, List.of(step)), true);
        assertPreserved(name + " tied, normalised", qwen2Moe(true, true), new GrowthPlan(6, List.of(step)), true);
    }

    @Test
    void seededRandomChainsOnQwen2MoeKeepTheLogits() throws IOException {
        Random random = new Random(13);
        for (int chain = 0; chain < 3; chain++) {
            TransformerConfig start = qwen2Moe(chain == 1, chain != 2);
            List<GrowthStep> steps = RandomSteps.chain(start, 3, random);
            assertPreserved("qwen2_moe chain " + steps, start, new GrowthPlan(chain, steps), true);
        }
    }

    /**
     * The shared expert and its sigmoid gate take part in both passes: changing either moves the logits, and the float
     * pass agrees with the double reference on a qwen2_moe model (so neither pass drops or misweighs a part).
     */
    @Test
    void theSharedExpertAndItsGateCountInBothPasses() {
        for (boolean normTopK : new boolean[] {false, true}) {
            Model model = RandomModels.create(qwen2Moe(false, normTopK), DType.F64, 4);
            int[] tokens = Logits.randomTokens(model.config().vocabSize(), 10, 3);
            for (Role role : List.of(Role.SHARED_DOWN, Role.SHARED_EXPERT_GATE)) {
                java.util.Map<TensorKey, Tensor> tensors = new java.util.TreeMap<>(model.tensors());
                Tensor t = model.tensor(role, 1);
                Tensor changed = Tensor.allocate(DType.F64, t.shape());
                for (long i = 0; i < t.size(); i++) {
                    changed.set(i, t.get(i) * 3 + 0.1);
                }
                tensors.put(TensorKey.of(role, 1), changed);
                Model other = model.derive(model.config(), tensors);
                assertTrue(Logits.maxDiffDouble(model, other, tokens) > 1e-4, role + " ignored in double");
                double[] f = Logits.maxDiffFloat(model.convertTo(DType.F32), other.convertTo(DType.F32), tokens);
                assertTrue(f[0] > 1e-4 * f[1], role + " ignored in float");
            }
            Model single = model.convertTo(DType.F32);
            double[][] reference = new io.grow4j.kernels.forward.ReferenceForward(single).logits(tokens);
            float[][] fast = new io.grow4j.kernels.forward.ForwardPass(single, new io.grow4j.kernels.cpu.CpuKernels())
                    .logits(tokens);
            double diff = 0;
            double scale = 0;
            for (int t = 0; t < tokens.length; t++) {
                for (int v = 0; v < reference[t].length; v++) {
                    diff = Math.max(diff, Math.abs(reference[t][v] - fast[t][v]));
                    scale = Math.max(scale, Math.abs(reference[t][v]));
                }
            }
            assertTrue(diff <= 1e-5 * scale, "float and double passes differ by " + diff + " of " + scale);
        }
    }

    /**
     * A qwen2_moe-shaped model: Qwen2's attention (GQA 4 over 2, Q/K/V biases), 4 experts of 20, top-2, a shared
     * expert of 24, norm_topk_prob as given.
     */
    static TransformerConfig qwen2Moe(boolean tied, boolean normTopK) {
        TransformerConfig q = TestConfigs.qwen2(tied);
        return q.withArchitecture(Architecture.QWEN2_MOE, new io.grow4j.model.MlpConfig(20,
                io.grow4j.model.Activation.SWIGLU, false, 4, 2, 24, normTopK));
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
                + " become mixtral, qwen2 qwen2_moe)", "step 1 (moe): experts are SwiGLU MLPs without biases; this model's MLP is"
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
        FamilyPreservation.assertPreserved(dir, name, config, plan, throughDirectory);
    }
}
