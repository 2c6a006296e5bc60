package io.grow4j.transforms;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.Init;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Head-size growth under QK-norm with DESIGN 2.6's seeded orthonormal fill of the new query dims (head_dim's default)
 * on qwen3, gemma3 and olmo2: within 1e-12 in double and 1e-5 relative in single precision through the family's
 * directory; two seeds give different new rows and the same logits; each head's new dims carry exactly (r − 1) times
 * its old square norm; {@code init: clone} keeps the tiled copies.
 */
class OrthonormalFillTest {
    @TempDir
    Path dir;

    static Stream<Arguments> families() {
        return Stream.of(Arguments.of("qwen3", QkNormFamiliesTest.qwen3(false, false)),
                Arguments.of("qwen3 tied, biases", QkNormFamiliesTest.qwen3(true, true)),
                Arguments.of("olmo2", QkNormFamiliesTest.olmo2(false, false)),
                Arguments.of("gemma3", GemmaFamiliesTest.gemma3(false, false)),
                Arguments.of("gemma3 tied, biases", GemmaFamiliesTest.gemma3(true, true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void theOrthonormalFillKeepsTheLogits(String name, TransformerConfig config) throws IOException {
        int k = config.attention().keySize();
        for (int ratio : new int[] {2, 3}) {
            GrowthPlan plan = new GrowthPlan(5, List.of(new HeadDimExpansion(ratio * k)));
            FamilyPreservation.assertPreserved(dir, name + " head size × " + ratio, config, plan);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void twoSeedsGiveDifferentNewRowsAndTheSameLogits(String name, TransformerConfig config) {
        Model original = RandomModels.create(config, DType.F64, 31);
        int k = config.attention().keySize();
        Model a = FamilyPreservation.GROWER.grow(original, new GrowthPlan(1, List.of(new HeadDimExpansion(2 * k))));
        Model b = FamilyPreservation.GROWER.grow(original, new GrowthPlan(2, List.of(new HeadDimExpansion(2 * k))));
        int[] tokens = Logits.randomTokens(config.vocabSize(), 10, 3);
        assertTrue(Logits.maxDiffDouble(a, b, tokens) <= 1e-12, name);
        assertTrue(Logits.maxDiffDouble(original, a, tokens) <= 1e-12, name);
        Tensor qa = a.tensor(Role.WQ, 0);
        Tensor qb = b.tensor(Role.WQ, 0);
        double differs = 0;
        for (long i = 0; i < qa.size(); i++) {
            differs = Math.max(differs, Math.abs(qa.get(i) - qb.get(i)));
        }
        assertTrue(differs > 1e-3, name + ": seeds 1 and 2 gave the same new query rows");
    }

    /** |c·O·q|² = (r − 1)·|q|² per head and input column, which is what keeps the QK-norm's input mean square. */
    @Test
    void eachHeadsNewDimsCarryRMinusOneTimesItsOldSquareNorm() {
        TransformerConfig config = QkNormFamiliesTest.qwen3(false, false);
        int k = config.attention().keySize();
        int heads = config.attention().queryHeads();
        Model original = RandomModels.create(config, DType.F64, 31);
        for (int ratio : new int[] {2, 4}) {
            Model grown = FamilyPreservation.GROWER.grow(original,
                    new GrowthPlan(3, List.of(new HeadDimExpansion(ratio * k))));
            Tensor before = original.tensor(Role.WQ, 1);
            Tensor after = grown.tensor(Role.WQ, 1);
            int hidden = config.hidden();
            for (int h = 0; h < heads; h++) {
                for (int c = 0; c < hidden; c++) {
                    double old = 0;
                    double all = 0;
                    for (int d = 0; d < k; d++) {
                        old += Math.pow(before.get(((long) h * k + d) * hidden + c), 2);
                    }
                    for (int d = 0; d < ratio * k; d++) {
                        all += Math.pow(after.get(((long) h * ratio * k + d) * hidden + c), 2);
                    }
                    assertEquals(ratio * old, all, 1e-13 * ratio * old, "head " + h + " column " + c);
                }
            }
        }
    }

    @Test
    void theFilledColumnsAreOrthonormal() {
        double[][] o = OrthonormalFill.orthonormalColumns(24, 8, 42);
        for (int a = 0; a < 8; a++) {
            for (int b = 0; b < 8; b++) {
                double dot = 0;
                for (double[] row : o) {
                    dot += row[a] * row[b];
                }
                assertEquals(a == b ? 1 : 0, dot, 1e-14, "columns " + a + ", " + b);
            }
        }
    }

    /** init: clone keeps the tiled identity: every new query row equals an old one bit for bit, and stays exact. */
    @Test
    void initCloneCopiesOldQueryRows() throws IOException {
        TransformerConfig config = QkNormFamiliesTest.qwen3(false, false);
        int k = config.attention().keySize();
        GrowthPlan plan = new GrowthPlan(3, List.of(new HeadDimExpansion(2 * k, Init.CLONE)));
        FamilyPreservation.assertPreserved(dir, "qwen3 head_dim clone", config, plan);
        Model original = RandomModels.create(config, DType.F32, 31);
        Tensor after = FamilyPreservation.GROWER.grow(original, plan).tensor(Role.WQ, 0);
        Tensor before = original.tensor(Role.WQ, 0);
        java.util.Set<Double> old = new java.util.HashSet<>();
        for (long i = 0; i < before.size(); i++) {
            old.add(before.get(i));
        }
        for (long i = 0; i < after.size(); i++) {
            assertTrue(old.contains(after.get(i)), "entry " + i + " is no copy");
        }
    }

    @Test
    void initCloneIsRefusedWhereThereIsNoQkNorm() {
        TransformerConfig llama = TestConfigs.llama(io.grow4j.model.RopeLayout.HALF_SPLIT, false);
        assertEquals(List.of("init clone for head_dim copies old query dims into the new ones, which only QK-norm"
                + " families need (their norm must see each head's mean square unchanged); llama has no QK-norm, so"
                + " its new query dims are arbitrary: drop init"),
                new HeadDimExpansion(2 * llama.attention().keySize(), Init.CLONE).problems(llama));
    }
}
