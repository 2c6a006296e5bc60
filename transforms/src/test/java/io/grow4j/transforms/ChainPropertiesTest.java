package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.GrowthStep;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random chains of steps, in random order, on random models of every family: still the same function. */
class ChainPropertiesTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());

    @Provide
    Arbitrary<TransformerConfig> configs() {
        return Arbitraries.of(TestConfigs.llama(RopeLayout.INTERLEAVED, true), TestConfigs.llama(RopeLayout.HALF_SPLIT, false),
                TestConfigs.generic(Activation.RELU, true), TestConfigs.generic(Activation.GELU, false),
                TestConfigs.genericRope(RopeLayout.HALF_SPLIT), TestConfigs.mistral(), TestConfigs.qwen2(true),
                TestConfigs.gpt2(true), TestConfigs.gpt2(false), TestConfigs.bert(true), TestConfigs.bert(false));
    }

    @Property(tries = 40)
    void chainsPreserveDoublePrecisionLogits(@ForAll("configs") TransformerConfig config,
                                             @ForAll @IntRange(min = 2, max = 5) int length, @ForAll long seed) {
        List<GrowthStep> steps = RandomSteps.chain(config, length, new Random(seed));
        Model before = RandomModels.create(config, DType.F64, seed);
        Model after = GROWER.grow(before, new GrowthPlan(seed, steps));
        int[] tokens = Logits.randomTokens(config.vocabSize(), 12, seed);
        double diff = Logits.maxDiffDouble(before, after, tokens);
        assertTrue(diff <= 1e-12, steps + " changed logits by " + diff);
    }

    @Property(tries = 25)
    void chainsPreserveSinglePrecisionLogits(@ForAll("configs") TransformerConfig config,
                                             @ForAll @IntRange(min = 2, max = 5) int length, @ForAll long seed) {
        List<GrowthStep> steps = RandomSteps.chain(config, length, new Random(seed));
        Model before = RandomModels.create(config, DType.F32, seed);
        Model after = GROWER.grow(before, new GrowthPlan(seed, steps));
        int[] tokens = Logits.randomTokens(config.vocabSize(), 12, seed);
        double[] diff = Logits.maxDiffFloat(before, after, tokens);
        assertTrue(diff[0] <= 1e-5 * diff[1], steps + " changed logits by " + diff[0] + " (largest " + diff[1] + ")");
    }

    @Property(tries = 10)
    void theSamePlanAndSeedGiveTheSameModel(@ForAll("configs") TransformerConfig config, @ForAll long seed) {
        List<GrowthStep> steps = RandomSteps.chain(config, 3, new Random(seed));
        Model before = RandomModels.create(config, DType.F32, 1);
        Model a = GROWER.grow(before, new GrowthPlan(seed, steps));
        Model b = GROWER.grow(before, new GrowthPlan(seed, steps));
        a.tensors().forEach((key, t) -> {
            for (long i = 0; i < t.size(); i++) {
                if (Double.doubleToRawLongBits(t.get(i)) != Double.doubleToRawLongBits(b.tensor(key).get(i))) {
                    throw new AssertionError(key + " differs at " + i + " between two runs of the same plan");
                }
            }
        });
    }
}
