package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RoPE scaling through growth (DESIGN.md 2.6, issue 9): a Llama-3.2-shaped model (tied head, head_dim 8 given where
 * hidden / heads is 6) with each scaling type grows by head size × 2, heads, MLP, hidden and layers, is written as a
 * directory and read back, and computes what it did at every position of a 72-token sequence: far past
 * original_max_position_embeddings (16 or 32), where the scaled frequencies differ most from plain RoPE.
 */
class RopeScalingGrowthTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final HfDirectoryFormat FORMAT = new HfDirectoryFormat();
    private static final int SEQUENCE = 72;

    @TempDir
    Path dir;

    static TransformerConfig llama32(RopeScaling scaling) {
        return new TransformerConfig(Architecture.LLAMA, 41, 24, 2, 128,
                new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT, scaling), true);
    }

    static List<Double> factors(int n, double start, double step) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(start + step * i);
        }
        return out;
    }

    static Stream<Arguments> exactScalings() {
        return Stream.of(
                Arguments.of(new RopeScaling.Linear(4)),
                Arguments.of(new RopeScaling.Llama3(8, 1, 4, 32)),
                // original 32: the correction range [0, ceil 0.71] at d = 8 becomes [0, ceil 1.41] = 2 x at 16
                Arguments.of(new RopeScaling.Yarn(4, 32, null, null, null, null, null, null)),
                Arguments.of(new RopeScaling.Yarn(4, 512, null, null, null, 1.0, 0.5, false)),
                Arguments.of(new RopeScaling.LongRope(factors(4, 1.0, 0.5), factors(4, 2.0, 3.0), 16, null, null)));
    }

    static List<GrowthStep> plan(TransformerConfig c) {
        return List.of(new HeadDimExpansion(2 * c.attention().keySize()),
                new HeadAddition(c.attention().queriesPerGroup(), false), new MlpExpansion(c.mlp().size() + 8),
                new HiddenExpansion(c.hidden() + 8), new LayerAddition(1, List.of(1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exactScalings")
    void everyStepKeepsTheScaledModelPastTheOriginalContext(RopeScaling scaling) throws IOException {
        TransformerConfig config = llama32(scaling);
        GrowthPlan plan = new GrowthPlan(5, plan(config));
        assertEquals(List.of(), plan.problems(config));
        int[] tokens = Logits.randomTokens(config.vocabSize(), SEQUENCE, 3);

        Model original = RandomModels.create(config, DType.F64, 11);
        Model reread = writeAndRead(GROWER.grow(original, plan), scaling.type() + "-f64");
        assertEquals(scaling.type(), ((Positions.Rope) reread.config().positions()).scaling().type());
        double diff = Logits.maxDiffDouble(original, reread, tokens);
        assertTrue(diff <= 1e-12, scaling + ": grown, written and re-read model changed logits by " + diff);

        Model single = RandomModels.create(config, DType.F32, 12);
        Model rereadSingle = writeAndRead(GROWER.grow(single, plan), scaling.type() + "-f32");
        double[] d = Logits.maxDiffFloat(single, rereadSingle, tokens);
        assertTrue(d[0] <= 1e-5 * d[1], scaling + ": single precision changed by " + d[0] + " (largest " + d[1] + ")");
    }

    /**
     * Ratio 4: longrope's lists spread to every fourth pair, linear and llama3 kept, the untruncated yarn's range
     * scaled exactly; head size 8 -> 32 exact. The truncated yarn's ceiling does not scale by 4: refused.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("exactScalings")
    void headSizeTimesFourIsExactToo(RopeScaling scaling) {
        TransformerConfig config = llama32(scaling);
        GrowthPlan plan = new GrowthPlan(6, List.of(new HeadDimExpansion(32)));
        List<String> problems = plan.problems(config);
        if (scaling instanceof RopeScaling.Yarn y && y.truncates()) {
            // ceil(0.71) = 1 at d = 8 but ceil(2.83) = 3, not 4, at d = 32: exact for x2, refused for x4.
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.getFirst().contains("becomes [0.0, 3.0] at head size 32"), problems.getFirst());
            return;
        }
        assertEquals(List.of(), problems);
        Model original = RandomModels.create(config, DType.F64, 15);
        double diff = Logits.maxDiffDouble(original, GROWER.grow(original, plan),
                Logits.randomTokens(config.vocabSize(), SEQUENCE, 4));
        assertTrue(diff <= 1e-12, scaling + " x4 changed logits by " + diff);
    }

    /** The scaling is applied at all: the same weights under plain RoPE give other logits past the original context. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("exactScalings")
    void theScalingChangesTheLogits(RopeScaling scaling) {
        TransformerConfig config = llama32(scaling);
        Model scaled = RandomModels.create(config, DType.F64, 11);
        Model plain = scaled.derive(config.withPositions(new Positions.Rope(10000, RopeLayout.HALF_SPLIT)),
                scaled.tensors());
        double diff = Logits.maxDiffDouble(scaled, plain, Logits.randomTokens(config.vocabSize(), SEQUENCE, 3));
        assertTrue(diff > 1e-3, scaling + " made no difference: " + diff);
    }

    /**
     * Tiling longrope's factor lists instead of spreading them (new[r·i] = old[i]) gives pair r·i another factor:
     * the rule matters (DESIGN 2.6 measured 0.72 for tiling).
     */
    @Test
    void tiledLongropeListsWouldBreakHeadGrowth() {
        RopeScaling.LongRope scaling = new RopeScaling.LongRope(factors(4, 1.0, 0.5), factors(4, 2.0, 3.0), 16,
                null, null);
        TransformerConfig config = llama32(scaling);
        Model original = RandomModels.create(config, DType.F64, 11);
        Model grown = GROWER.grow(original, new GrowthPlan(5, List.of(new HeadDimExpansion(16))));
        List<Double> shortTiled = new ArrayList<>(scaling.shortFactor());
        shortTiled.addAll(scaling.shortFactor());
        List<Double> longTiled = new ArrayList<>(scaling.longFactor());
        longTiled.addAll(scaling.longFactor());
        Positions.Rope rope = (Positions.Rope) grown.config().positions();
        Model tiled = grown.derive(grown.config().withPositions(rope.withScaling(
                new RopeScaling.LongRope(shortTiled, longTiled, 16, null, null))), grown.tensors());
        int[] tokens = Logits.randomTokens(config.vocabSize(), SEQUENCE, 3);
        assertTrue(Logits.maxDiffDouble(original, grown, tokens) <= 1e-12);
        assertTrue(Logits.maxDiffDouble(original, tiled, tokens) > 1e-3);
    }

    @Test
    void dynamicNtkRefusesHeadGrowthAndKeepsTheRest() {
        TransformerConfig config = llama32(new RopeScaling.Dynamic(2));
        List<String> problems = new GrowthPlan(1, List.of(new HeadDimExpansion(16))).problems(config);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().contains("dynamic NTK") && problems.getFirst().contains("d/(d-2)"),
                problems.getFirst());
        GrowthPlan rest = new GrowthPlan(2, List.of(new MlpExpansion(48), new HiddenExpansion(32),
                new HeadAddition(2, false), new LayerAddition(1, List.of(0))));
        assertEquals(List.of(), rest.problems(config));
        Model original = RandomModels.create(config, DType.F64, 4);
        int[] tokens = Logits.randomTokens(config.vocabSize(), SEQUENCE, 3);
        assertTrue(Logits.maxDiffDouble(original, GROWER.grow(original, rest), tokens) <= 1e-12);
    }

    /**
     * A long-context yarn (original 8192): the correction range starts at floor(1.61) = 1 at d = 8 but floor(3.22) =
     * 3, not 2, at d = 16, so grown pair 2·i would sit elsewhere on the ramp: refused by name, and the claim checked
     * on the frequencies themselves.
     */
    @Test
    void yarnWhoseCorrectionRangeDoesNotScaleIsRefused() {
        RopeScaling.Yarn yarn = new RopeScaling.Yarn(4, 8192, null, null, null, null, null, null);
        TransformerConfig config = llama32(yarn);
        List<String> problems = new GrowthPlan(1, List.of(new HeadDimExpansion(16))).problems(config);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().contains("correction range (pairs [1.0, 4.0] at head size 8) becomes [3.0, 7.0]"), problems.getFirst());
        double[] before = new RopeFrequencies(10000, yarn, 8, 128).inverseFrequencies(100);
        double[] after = new RopeFrequencies(10000, yarn, 16, 128).inverseFrequencies(100);
        double worst = 0;
        for (int i = 0; i < before.length; i++) {
            worst = Math.max(worst, Math.abs(after[2 * i] / before[i] - 1));
        }
        assertTrue(worst > 0.1, "yarn frequencies moved by only " + worst);
    }

    /** Dynamic NTK past max_position_embeddings: the base's exponent d/(d-2) moves every pair but the first. */
    @Test
    void dynamicFrequenciesDependOnTheHeadSizePastTheMaximum() {
        RopeScaling dynamic = new RopeScaling.Dynamic(2);
        double[] before = new RopeFrequencies(10000, dynamic, 8, 128).inverseFrequencies(1279);
        double[] after = new RopeFrequencies(10000, dynamic, 16, 128).inverseFrequencies(1279);
        double[] inside = new RopeFrequencies(10000, dynamic, 8, 128).inverseFrequencies(100);
        double[] insideAfter = new RopeFrequencies(10000, dynamic, 16, 128).inverseFrequencies(100);
        for (int i = 1; i < before.length; i++) {
            assertTrue(Math.abs(after[2 * i] / before[i] - 1) > 0.05, "pair " + i);
            assertEquals(inside[i], insideAfter[2 * i], 1e-15 * inside[i], "pair " + i + " within the maximum");
        }
    }

    /** Biases on q, k, v, o (attention_bias) and on gate, up, down (mlp_bias), head_dim given: all steps exact. */
    @Test
    void llamaBiasesGrowExactly() throws IOException {
        TransformerConfig config = new TransformerConfig(Architecture.LLAMA, 41, 24, 2, 128,
                new AttentionConfig(4, 2, 8, 8, true), new MlpConfig(40, Activation.SWIGLU, true), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT, new RopeScaling.Llama3(8, 1, 4, 32)), false);
        GrowthPlan plan = new GrowthPlan(7, plan(config));
        Model original = RandomModels.create(config, DType.F64, 13);
        Model reread = writeAndRead(GROWER.grow(original, plan), "biases");
        assertTrue(reread.config().mlp().bias() && reread.config().attention().outputBias());
        int[] tokens = Logits.randomTokens(config.vocabSize(), SEQUENCE, 3);
        double diff = Logits.maxDiffDouble(original, reread, tokens);
        assertTrue(diff <= 1e-12, "biased llama changed by " + diff);
    }

    private Model writeAndRead(Model model, String name) throws IOException {
        Path out = dir.resolve(name);
        FORMAT.write(model, out);
        return FORMAT.read(out);
    }
}
