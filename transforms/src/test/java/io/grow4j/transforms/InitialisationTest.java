package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.Init;
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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code clone} (Net2Net / HyperCloning) and {@code copy} (LLaMA-Pro) initialisations on every family where they
 * apply (llama, mistral, qwen2, qwen3, olmo2, gpt2, bert, mixtral, qwen2_moe), held to DESIGN 4's bounds: ≤ 1e-12 in double from F64 weights, ≤ 1e-5 relative in single precision from F32
 * weights, and again after writing and re-reading a Hugging Face directory wherever the family can hold the model.
 */
class InitialisationTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());

    @TempDir
    Path dir;

    static List<TransformerConfig> families() {
        return List.of(TestConfigs.llama(RopeLayout.HALF_SPLIT, false), TestConfigs.llama(RopeLayout.HALF_SPLIT, true),
                TestConfigs.mistral(), TestConfigs.qwen2(true), QkNormFamiliesTest.qwen3(false, true),
                QkNormFamiliesTest.qwen3(true, false), QkNormFamiliesTest.olmo2(false, true),
                QkNormFamiliesTest.olmo2(true, false), TestConfigs.gpt2(true), TestConfigs.gpt2(false),
                TestConfigs.bert(true), ExpertUpcyclingTest.mixtral(false), ExpertUpcyclingTest.mixtral(true),
                ExpertUpcyclingTest.qwen2Moe(false, false), ExpertUpcyclingTest.qwen2Moe(true, true),
                GemmaFamiliesTest.gemma2(true, false), GemmaFamiliesTest.gemma3(true, true),
                GemmaFamiliesTest.gemma2(false, true), PhiSmolFamiliesTest.phi3(true, false),
                PhiSmolFamiliesTest.phi3(false, false), PhiSmolFamiliesTest.smollm3(true));
    }

    static Stream<Arguments> clones() {
        List<Arguments> cases = new ArrayList<>();
        for (TransformerConfig c : families()) {
            int n = c.attention().queryHeads();
            String name = c.architecture().id() + (c.tiedEmbeddings() ? " tied" : "");
            for (GrowthStep step : List.of(new MlpExpansion(2 * c.mlp().size(), Init.CLONE),
                    new MlpExpansion(3 * c.mlp().size(), Init.CLONE),
                    new HeadAddition(n, false, Init.CLONE), new HeadAddition(2 * n, true, Init.CLONE),
                    new HiddenExpansion(2 * c.hidden(), Init.CLONE), new HiddenExpansion(3 * c.hidden(), Init.CLONE),
                    new MlpExpansion(3 * c.mlp().size(), Init.CLONE, 0.01), new HeadAddition(n, false, Init.CLONE, 0.05),
                    new HiddenExpansion(2 * c.hidden(), Init.CLONE, 0.01))) {
                cases.add(Arguments.of(name + " " + step, c, List.of(step)));
            }
            if (!c.postNorm()) {
                int layers = c.layers();
                cases.add(Arguments.of(name + " copy appended", c,
                        List.of(new LayerAddition(2, List.of(), Init.COPY, -1))));
                cases.add(Arguments.of(name + " copy inside and first, from 1", c,
                        List.of(new LayerAddition(2, List.of(0, layers), Init.COPY, 1))));
                cases.add(Arguments.of(name + " copy between", c,
                        List.of(new LayerAddition(2, List.of(1, 2), Init.COPY, -1))));
            }
        }
        return cases.stream();
    }

    /**
     * GPT-NeoX fixes head size = hidden / heads, so a cloned hidden size comes with cloned heads; MLP clones and
     * copied blocks apply as in every family (parallel and sequential residual).
     */
    static Stream<Arguments> neoxClones() {
        List<Arguments> cases = new ArrayList<>();
        for (boolean parallel : new boolean[] {true, false}) {
            TransformerConfig c = io.grow4j.model.fixtures.NeoxConfigs.pythia(parallel, 0.25, false, true);
            String name = c.architecture().id();
            int n = c.attention().queryHeads();
            cases.add(Arguments.of(name + " mlp clone", c, List.of(new MlpExpansion(2 * c.mlp().size(), Init.CLONE))));
            cases.add(Arguments.of(name + " mlp clone with noise", c,
                    List.of(new MlpExpansion(3 * c.mlp().size(), Init.CLONE, 0.01))));
            cases.add(Arguments.of(name + " hidden and heads cloned", c, List.of(
                    new HiddenExpansion(2 * c.hidden(), Init.CLONE), new HeadAddition(n, false, Init.CLONE))));
            cases.add(Arguments.of(name + " copy inside, from 0", c,
                    List.of(new LayerAddition(1, List.of(1), Init.COPY, 0))));
            cases.add(Arguments.of(name + " copy appended", c, List.of(new LayerAddition(2, List.of(), Init.COPY, -1))));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"clones", "neoxClones"})
    void cloneAndCopyKeepTheOutputs(String name, TransformerConfig config, List<GrowthStep> steps) throws IOException {
        assertPreserved(name, config, new GrowthPlan(11, steps));
    }

    /** Chains mixing the three initialisations with the paper's steps, on a decoder of each norm kind. */
    @Test
    void chainsOfCloneCopyAndRandomKeepTheOutputs() throws IOException {
        for (TransformerConfig c : List.of(TestConfigs.llama(RopeLayout.HALF_SPLIT, true), TestConfigs.gpt2(true),
                QkNormFamiliesTest.olmo2(false, false), ExpertUpcyclingTest.mixtral(false))) {
            int h = c.hidden();
            List<GrowthStep> steps = List.of(new HiddenExpansion(2 * h, Init.CLONE),
                    new LayerAddition(1, List.of(1), Init.COPY, -1), new MlpExpansion(c.mlp().size() + 5),
                    new HeadAddition(c.attention().queryHeads(), false, Init.CLONE),
                    new MlpExpansion(2 * (c.mlp().size() + 5), Init.CLONE), new HiddenExpansion(2 * h + 3),
                    new LayerAddition(1, List.of(0), Init.COPY, 2));
            assertPreserved(c.architecture().id() + " chain", c, new GrowthPlan(4, steps));
        }
    }

    /**
     * What makes these initialisations differ from the paper's: clones repeat old weights (no new random values),
     * and a copied block holds its source's weights with only the output projections zero.
     */
    @Test
    void clonesRepeatOldWeightsAndCopiesHoldTheSourceBlock() {
        TransformerConfig llama = TestConfigs.llama(RopeLayout.HALF_SPLIT, false);
        Model original = RandomModels.create(llama, DType.F64, 3);
        int p = llama.mlp().size();
        Model cloned = GROWER.grow(original, new GrowthPlan(1, List.of(new MlpExpansion(2 * p, Init.CLONE))));
        Tensor up = original.tensor(Role.W_UP, 1);
        Tensor grownUp = cloned.tensor(Role.W_UP, 1);
        Tensor down = original.tensor(Role.W_DOWN, 1);
        Tensor grownDown = cloned.tensor(Role.W_DOWN, 1);
        int h = llama.hidden();
        for (int unit = 0; unit < p; unit++) {
            for (int i = 0; i < h; i++) {
                assertEquals(up.get((long) unit * h + i), grownUp.get((long) (unit + p) * h + i), "up row " + unit);
                assertEquals(down.get((long) i * p + unit) / 2, grownDown.get((long) i * 2 * p + unit + p),
                        "down column " + unit);
            }
        }
        Model copied = GROWER.grow(original, new GrowthPlan(1, List.of(new LayerAddition(1, List.of(1), Init.COPY,
                -1))));
        for (Role role : List.of(Role.WQ, Role.WK, Role.WV, Role.W_GATE, Role.W_UP, Role.ATTENTION_NORM)) {
            assertEquals(-1L, original.tensor(role, 0).data().mismatch(copied.tensor(role, 1).data()), role + " copied");
        }
        for (Role role : List.of(Role.WO, Role.W_DOWN)) {
            Tensor t = copied.tensor(role, 1);
            for (long i = 0; i < t.size(); i++) {
                assertEquals(0.0, t.get(i), role + " of the copied block is zero");
            }
        }
    }

    /**
     * Noise makes the copies differ (so training can tell them apart) while each old entry's copies still sum to the
     * split original: 3 copies of W_DOWN's columns, entry by entry.
     */
    @Test
    void noiseMakesCopiesDifferAndCancelsOverThem() {
        TransformerConfig llama = TestConfigs.llama(RopeLayout.HALF_SPLIT, false);
        Model original = RandomModels.create(llama, DType.F64, 3);
        int p = llama.mlp().size();
        int h = llama.hidden();
        Model grown = GROWER.grow(original, new GrowthPlan(1, List.of(new MlpExpansion(3 * p, Init.CLONE, 0.01))));
        Tensor down = original.tensor(Role.W_DOWN, 0);
        Tensor noisy = grown.tensor(Role.W_DOWN, 0);
        double largestShift = 0;
        for (int i = 0; i < h; i++) {
            for (int unit = 0; unit < p; unit++) {
                double w = down.get((long) i * p + unit);
                double sum = 0;
                for (int c = 0; c < 3; c++) {
                    double copy = noisy.get((long) i * 3 * p + c * p + unit);
                    sum += copy;
                    largestShift = Math.max(largestShift, Math.abs(copy / (w / 3) - 1));
                }
                assertEquals(w, sum, 1e-15 * Math.abs(w), "copies of column " + unit + " row " + i);
            }
        }
        assertTrue(largestShift > 0.005 && largestShift <= 0.02, "relative shift " + largestShift);
        Tensor up = grown.tensor(Role.W_UP, 0);
        assertEquals(original.tensor(Role.W_UP, 0).get(5), up.get((long) 2 * p * h + 5), "readers of the input repeat");
    }

    @Test
    void badRequestsAreRefusedNamingTheStep() {
        TransformerConfig llama = TestConfigs.llama(RopeLayout.HALF_SPLIT, false);
        assertEquals(List.of("step 1 (mlp): init clone needs an integer multiple: MLP size 40 -> 60 is not one (try 80"
                + " or 120)"), problems(llama, new MlpExpansion(60, Init.CLONE)));
        assertEquals(List.of("step 1 (hidden): init clone needs an integer multiple: hidden size 24 -> 36 is not one"
                + " (try 48 or 72)"), problems(llama, new HiddenExpansion(36, Init.CLONE)));
        assertEquals(List.of("step 1 (heads): init clone repeats every head alike: add 2 to 4 query heads is not an"
                + " integer multiple (try add 4 or 8)"), problems(llama, new HeadAddition(2, false, Init.CLONE)));
        assertEquals(List.of("step 1 (layers): from 2 is not a layer of the model (layers 0..1)"),
                problems(llama, new LayerAddition(1, List.of(), Init.COPY, 2)));
        assertEquals(List.of("step 1 (layers): init copy: the new layer at position 0 has no block below it to copy;"
                + " give from: N"), problems(llama, new LayerAddition(1, List.of(0), Init.COPY, -1)));
        assertEquals(List.of("step 1 (layers): from names the block to copy, so it needs init: copy"),
                problems(llama, new LayerAddition(1, List.of(), Init.RANDOM, 0)));
        assertEquals(List.of("step 1 (layers): init clone does not apply to layers (choices: random, copy)"),
                problems(llama, new LayerAddition(1, List.of(), Init.CLONE, -1)));
        assertEquals(List.of("step 1 (mlp): noise perturbs the copies of a clone, so it needs init: clone"),
                problems(llama, new MlpExpansion(80, Init.RANDOM, 0.01)));
        assertEquals(List.of("step 1 (hidden): noise is relative to each entry and must be in [0, 1), got 1.5"),
                problems(llama, new HiddenExpansion(48, Init.CLONE, 1.5)));
        assertEquals(List.of("step 1 (mlp): init copy does not apply to mlp (choices: random, clone)"),
                problems(llama, new MlpExpansion(80, Init.COPY)));
        assertEquals(List.of("step 1 (layers): bert normalises after each residual add, so a block whose output"
                + " projections are zero still applies its LayerNorm to the stream (LN(x) != x): post-norm models"
                + " have no exact identity layer to add"), problems(TestConfigs.bert(false),
                new LayerAddition(1, List.of(), Init.COPY, 0)));
    }

    @Test
    void planFilesReadAndWriteTheInitialisations() {
        GrowthPlan plan = PlanFiles.parse("""
                seed: 3
                steps:
                  - mlp: {size: 80, init: clone, noise: 0.01}
                  - heads: {add: 4, init: clone, per_group: true}
                  - hidden: {size: 48, init: clone}
                  - layers: {add: 1, at: [0], init: copy, from: 1}
                  - layers: {add: 1}
                """, "plan.yaml");
        assertEquals(List.of(new MlpExpansion(80, Init.CLONE, 0.01), new HeadAddition(4, true, Init.CLONE),
                new HiddenExpansion(48, Init.CLONE), new LayerAddition(1, List.of(0), Init.COPY, 1),
                new LayerAddition(1, List.of())), plan.steps());
        assertEquals(plan, PlanFiles.parse(PlanFiles.toYaml(plan), "written"));
        PlanException e = org.junit.jupiter.api.Assertions.assertThrows(PlanException.class, () -> PlanFiles.parse("""
                steps:
                  - mlp: {size: 80, init: net2net, noise: small}
                  - layers: {add: 1, from: -2}
                """, "bad.yaml"));
        assertEquals(List.of("step 1 (mlp): init must be one of random, clone, copy, got 'net2net'",
                "step 1 (mlp): noise must be a number, got 'small'",
                "step 2 (layers): from must be 0 or more, got -2"), e.problems());
    }

    private static List<String> problems(TransformerConfig config, GrowthStep step) {
        return new GrowthPlan(1, List.of(step)).problems(config);
    }

    private void assertPreserved(String name, TransformerConfig config, GrowthPlan plan) throws IOException {
        FamilyPreservation.assertPreserved(dir, name, config, plan, FamilyPreservation.directoryHolds(config, plan));
    }
}
