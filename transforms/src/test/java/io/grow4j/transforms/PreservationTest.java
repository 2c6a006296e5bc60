package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HeadKeyExpansion;
import io.grow4j.transforms.steps.HeadValueExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every step alone, on every family it applies to: the grown model computes the same logits, or for encoders the same
 * hidden states (DESIGN 4: ≤ 1e-12 in double, ≤ 1e-5 of the largest output in single precision), and its tensors
 * follow the recipe rules.
 */
class PreservationTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (TransformerConfig c : configs()) {
            for (GrowthStep step : stepsFor(c)) {
                cases.add(Arguments.of(describe(c), c, step));
            }
        }
        return cases.stream();
    }

    static List<TransformerConfig> configs() {
        return List.of(TestConfigs.llama(RopeLayout.INTERLEAVED, true), TestConfigs.llama(RopeLayout.HALF_SPLIT, false),
                TestConfigs.generic(Activation.RELU, true), TestConfigs.generic(Activation.GELU, false),
                TestConfigs.genericRope(RopeLayout.INTERLEAVED), TestConfigs.genericRope(RopeLayout.HALF_SPLIT),
                TestConfigs.mistral(), TestConfigs.qwen2(true), TestConfigs.qwen2(false), TestConfigs.gpt2(true),
                TestConfigs.gpt2(false), TestConfigs.bert(true), TestConfigs.bert(false));
    }

    /** Every step that applies to the config, with sizes that exercise the awkward cases (ratios, positions). */
    static List<GrowthStep> stepsFor(TransformerConfig c) {
        int k = c.attention().keySize();
        int v = c.attention().valueSize();
        List<GrowthStep> steps = new ArrayList<>(List.of(
                new MlpExpansion(c.mlp().size() + 13),
                new HeadAddition(c.attention().queriesPerGroup(), false),
                new HeadAddition(2 * c.attention().kvHeads(), true)));
        if (c.postNorm()) {
            // duplication only, and no exact identity layer (DESIGN 2.2)
            steps.add(new HiddenExpansion(2 * c.hidden()));
            steps.add(new HiddenExpansion(3 * c.hidden()));
        } else {
            steps.add(new HiddenExpansion(c.hidden() + 11));
            steps.add(new LayerAddition(2, List.of(0, 2)));
            steps.add(new LayerAddition(1, List.of()));
        }
        int keyGrowth = c.usesRope() ? 2 * k : k + 3;
        if (c.architecture().separateHeadSizes()) {
            steps.add(new HeadKeyExpansion(keyGrowth));
            steps.add(new HeadValueExpansion(v + 2));
        }
        if (k == v) {
            steps.add(new HeadDimExpansion(keyGrowth));
        }
        if (c.usesRope()) {
            steps.add(c.architecture().separateHeadSizes() ? new HeadKeyExpansion(4 * k) : new HeadDimExpansion(4 * k));
        }
        return steps;
    }

    private static String describe(TransformerConfig c) {
        return c.architecture().id() + "/" + c.positions() + "/" + c.mlp().activation()
                + (c.tiedEmbeddings() ? "/tied" : "") + (c.pooler() ? "/pooler" : "");
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("cases")
    void doublePrecisionLogitsAreUnchanged(String name, TransformerConfig config, GrowthStep step) {
        Model before = RandomModels.create(config, DType.F64, 11);
        GrowthPlan plan = new GrowthPlan(5, List.of(step));
        Model after = GROWER.grow(before, plan);
        assertEquals(plan.apply(config), after.config());
        int[] tokens = Logits.randomTokens(config.vocabSize(), config.maxSeqLen(), 3);
        double diff = Logits.maxDiffDouble(before, after, tokens);
        assertTrue(diff <= 1e-12, step + " changed logits by " + diff);
        RecipeChecks.check(before, after, step.recipes(config, after.config()));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("cases")
    void singlePrecisionLogitsAreUnchanged(String name, TransformerConfig config, GrowthStep step) {
        Model before = RandomModels.create(config, DType.F32, 12);
        Model after = GROWER.grow(before, new GrowthPlan(6, List.of(step)));
        int[] tokens = Logits.randomTokens(config.vocabSize(), config.maxSeqLen(), 4);
        double[] diff = Logits.maxDiffFloat(before, after, tokens);
        assertTrue(diff[0] <= 1e-5 * diff[1], step + " changed logits by " + diff[0] + " (largest logit " + diff[1] + ")");
        RecipeChecks.check(before, after, step.recipes(config, after.config()));
    }
}
