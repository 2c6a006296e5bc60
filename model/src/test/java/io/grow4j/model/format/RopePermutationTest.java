package io.grow4j.model.format;

import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RopePermutationTest {
    private static final Set<Role> ROTATED = EnumSet.of(Role.WQ, Role.BQ, Role.WK, Role.BK);

    /** Row r holds r * 1000 + column, so the result shows where each row went; cols 0 means a bias [rows]. */
    private static Tensor numberedRows(int rows, int cols) {
        int width = Math.max(cols, 1);
        double[] v = new double[rows * width];
        Arrays.setAll(v, i -> (i / width) * 1000 + i % width);
        return Tensor.of(DType.F32, cols == 0 ? new long[] {rows} : new long[] {rows, cols}, v);
    }

    @Test
    void interleavedToHalfSplitGathersFirstMembersThenSecondMembers() {
        // Head size 4: interleaved rows are (p0 m0, p0 m1, p1 m0, p1 m1); half-split stores (p0 m0, p1 m0, p0 m1, p1 m1).
        Tensor weight = numberedRows(8, 3);
        Tensor half = RopePermutation.permuteRows(weight, 2, 4, RopeLayout.INTERLEAVED, RopeLayout.HALF_SPLIT);
        int[] expectedRows = {0, 2, 1, 3, 4, 6, 5, 7};
        for (int r = 0; r < 8; r++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(expectedRows[r] * 1000 + c, half.get(r * 3L + c), "row " + r + " col " + c);
            }
        }
        Tensor bias = numberedRows(8, 0);
        Tensor halfBias = RopePermutation.permuteRows(bias, 2, 4, RopeLayout.INTERLEAVED, RopeLayout.HALF_SPLIT);
        assertArrayEquals(Arrays.stream(expectedRows).mapToDouble(r -> r * 1000).toArray(), halfBias.toDoubleArray());
    }

    /** Every combination of 1..5 heads, head sizes 2..16 and biases or 1..4 columns. */
    @Test
    void permutingThereAndBackIsExactAndMovesWholeRows() {
        for (int heads = 1; heads <= 5; heads++) {
            for (int pairs = 1; pairs <= 8; pairs++) {
                for (int cols = 0; cols <= 4; cols++) {
                    checkPermutation(heads, pairs, cols);
                }
            }
        }
    }

    private static void checkPermutation(int heads, int pairs, int cols) {
        int headSize = 2 * pairs;
        Tensor t = numberedRows(heads * headSize, cols);
        Tensor half = RopePermutation.permuteRows(t, heads, headSize, RopeLayout.INTERLEAVED, RopeLayout.HALF_SPLIT);
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < pairs; i++) {
                for (int m = 0; m < 2; m++) {
                    // DESIGN 2.3: pair i member m is row 2i+m interleaved, row i + m*d/2 half-split.
                    long halfRow = (long) h * headSize + i + m * pairs;
                    long interleavedRow = (long) h * headSize + 2 * i + m;
                    long width = Math.max(cols, 1);
                    assertEquals(t.get(interleavedRow * width), half.get(halfRow * width),
                            heads + " heads, head size " + headSize + ", head " + h + " pair " + i + " member " + m);
                }
            }
        }
        Tensor back = RopePermutation.permuteRows(half, heads, headSize, RopeLayout.HALF_SPLIT, RopeLayout.INTERLEAVED);
        Fixtures.assertSameTensor("round trip", t, back);
    }

    @Test
    void permuteRowsKeepsDtypeAndBitsOfEveryValue() {
        Model model = RandomModels.create(Fixtures.llama(true, RopeLayout.INTERLEAVED), DType.BF16, 3);
        Tensor wq = model.tensor(Role.WQ, 1);
        Tensor copy = wq.convertTo(DType.BF16);
        Tensor half = RopePermutation.permuteRows(wq, 4, 4, RopeLayout.INTERLEAVED, RopeLayout.HALF_SPLIT);
        assertEquals(DType.BF16, half.dtype());
        double[] before = wq.toDoubleArray();
        double[] after = half.toDoubleArray();
        Arrays.sort(before);
        Arrays.sort(after);
        assertArrayEquals(before, after, "a permutation: the same multiset of values");
        Fixtures.assertSameTensor("source untouched", copy, wq);
    }

    @Test
    void modelConversionChangesOnlyQueryAndKeyRowsAndTheLayout() {
        TransformerConfig config = generic(RopeLayout.INTERLEAVED);
        Model model = RandomModels.create(config, DType.F64, 11);
        Model half = RopePermutation.toLayout(model, RopeLayout.HALF_SPLIT);

        assertEquals(generic(RopeLayout.HALF_SPLIT), half.config());
        for (TensorKey key : model.tensors().keySet()) {
            if (ROTATED.contains(key.role())) {
                assertNotEquals(-1L, model.tensor(key).data().mismatch(half.tensor(key).data()), key + " moved");
            } else {
                assertSame(model.tensor(key), half.tensor(key), key + " untouched");
            }
        }
        assertSameModel(model, RopePermutation.toLayout(half, RopeLayout.INTERLEAVED));
    }

    /** Grouped heads, biases on Q and K, key size 4 != value size 6: every case the row permutation must handle. */
    private static TransformerConfig generic(RopeLayout layout) {
        return new TransformerConfig(Architecture.GENERIC, 24, 10, 2, 6, new AttentionConfig(4, 2, 4, 6, true),
                new MlpConfig(8, Activation.RELU, true), 1e-6, new Positions.Rope(500000, layout), false);
    }

    @Test
    void sameLayoutIsTheSameModelAndLearnedPositionsHaveNoLayout() {
        Model model = RandomModels.create(Fixtures.llama(false, RopeLayout.HALF_SPLIT), DType.F32, 1);
        assertSame(model, RopePermutation.toLayout(model, RopeLayout.HALF_SPLIT));
        Model learned = RandomModels.create(Fixtures.genericLearned(false), DType.F32, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RopePermutation.toLayout(learned, RopeLayout.HALF_SPLIT));
        assertTrue(e.getMessage().contains("learned positions"), e.getMessage());
    }

    @Test
    void rejectsTensorsThatAreNotWholeHeads() {
        Tensor t = Tensor.allocate(DType.F32, 10, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RopePermutation.permuteRows(t, 2, 4, RopeLayout.INTERLEAVED, RopeLayout.HALF_SPLIT));
        assertTrue(e.getMessage().contains("[10, 3]"), e.getMessage());
    }
}
