package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.Seeds;
import io.grow4j.transforms.steps.GrowthStep;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random chains of steps, in random order, on random models of every family: still the same function. Each case
 * comes from one seed (shown in its name and failure message; {@code -Dgrow4j.seed=S} reruns it alone).
 */
class ChainPropertiesTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());

    /** A config to start from, with a name for the case's display name. */
    record Start(String name, TransformerConfig config) {
    }

    private static final List<Start> STARTS = List.of(
            new Start("llama interleaved tied", TestConfigs.llama(RopeLayout.INTERLEAVED, true)),
            new Start("llama half-split", TestConfigs.llama(RopeLayout.HALF_SPLIT, false)),
            new Start("generic relu bias", TestConfigs.generic(Activation.RELU, true)),
            new Start("generic gelu", TestConfigs.generic(Activation.GELU, false)),
            new Start("generic rope half-split", TestConfigs.genericRope(RopeLayout.HALF_SPLIT)),
            new Start("mistral", TestConfigs.mistral()),
            new Start("qwen2 tied", TestConfigs.qwen2(true)),
            new Start("gpt2 tied", TestConfigs.gpt2(true)),
            new Start("gpt2", TestConfigs.gpt2(false)),
            new Start("bert pooler", TestConfigs.bert(true)),
            new Start("bert", TestConfigs.bert(false)));

    /** One generated case: a start config and a chain length of 2 to 5, both drawn from {@code seed}. */
    record Case(long seed, int start, int length) {
        /**
         * Drawn with SplittableRandom, a different generator from the java.util.Random(seed) the chain is drawn
         * from, so the choice of config and length does not constrain the steps.
         */
        static Case of(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            return new Case(seed, random.nextInt(STARTS.size()), random.nextInt(2, 6));
        }

        TransformerConfig config() {
            return STARTS.get(start).config();
        }

        List<GrowthStep> steps(int length) {
            return RandomSteps.chain(config(), length, new Random(seed));
        }

        String failure(List<GrowthStep> steps) {
            return this + ": " + steps + " (rerun alone with " + Seeds.rerun(seed) + ")";
        }

        @Override
        public String toString() {
            return "seed " + seed + ", " + STARTS.get(start).name() + ", " + length + " steps";
        }
    }

    /**
     * {@code count} cases; case i starts from config i mod 11, so every family is covered in every run (each config
     * still drawn uniformly overall, the length uniformly from 2 to 5 and the seed from all longs).
     */
    private static Stream<Case> cases(long master, int count) {
        return Seeds.draw(master, count, (i, seed) -> Case.of(seed).start() == i % STARTS.size()).mapToObj(Case::of);
    }

    static Stream<Case> doubleCases() {
        return cases(0x2d4f_91a3_5e07_c6b1L, 40);
    }

    static Stream<Case> floatCases() {
        return cases(0x7b13_e8c2_0f95_4ad6L, 25);
    }

    static Stream<Case> determinismCases() {
        return cases(0x51c8_3a6e_d2f0_9b47L, 10);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("doubleCases")
    void chainsPreserveDoublePrecisionLogits(Case c) {
        List<GrowthStep> steps = c.steps(c.length());
        Model before = RandomModels.create(c.config(), DType.F64, c.seed());
        Model after = GROWER.grow(before, new GrowthPlan(c.seed(), steps));
        int[] tokens = Logits.randomTokens(c.config().vocabSize(), 12, c.seed());
        double diff = Logits.maxDiffDouble(before, after, tokens);
        assertTrue(diff <= 1e-12, () -> c.failure(steps) + " changed logits by " + diff);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatCases")
    void chainsPreserveSinglePrecisionLogits(Case c) {
        List<GrowthStep> steps = c.steps(c.length());
        Model before = RandomModels.create(c.config(), DType.F32, c.seed());
        Model after = GROWER.grow(before, new GrowthPlan(c.seed(), steps));
        int[] tokens = Logits.randomTokens(c.config().vocabSize(), 12, c.seed());
        double[] diff = Logits.maxDiffFloat(before, after, tokens);
        assertTrue(diff[0] <= 1e-5 * diff[1],
                () -> c.failure(steps) + " changed logits by " + diff[0] + " (largest " + diff[1] + ")");
    }

    /** Three steps whatever the case's length, on the same model (seed 1) each time: only the plan's seed varies. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("determinismCases")
    void theSamePlanAndSeedGiveTheSameModel(Case c) {
        List<GrowthStep> steps = c.steps(3);
        Model before = RandomModels.create(c.config(), DType.F32, 1);
        Model a = GROWER.grow(before, new GrowthPlan(c.seed(), steps));
        Model b = GROWER.grow(before, new GrowthPlan(c.seed(), steps));
        a.tensors().forEach((key, t) -> {
            for (long i = 0; i < t.size(); i++) {
                if (Double.doubleToRawLongBits(t.get(i)) != Double.doubleToRawLongBits(b.tensor(key).get(i))) {
                    throw new AssertionError(c.failure(steps) + ": " + key + " differs at " + i
                            + " between two runs of the same plan");
                }
            }
        });
    }
}
