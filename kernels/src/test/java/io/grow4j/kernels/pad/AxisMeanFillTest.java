package io.grow4j.kernels.pad;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Fill.AxisMean} on the CPU against its definition, entry by entry and bit for bit: old entries scale × old;
 * an entry new along the mean axis only is scale × (Σ_k old[.., k, ..]) / n; any other new entry zero.
 */
class AxisMeanFillTest {
    private final CpuPadKernel kernel = new CpuPadKernel();

    @ParameterizedTest
    @EnumSource(DType.class)
    void matchesTheDefinitionOnRandomSpecs(DType dtype) {
        Random random = new Random(40 + dtype.ordinal());
        for (int trial = 0; trial < 150; trial++) {
            PadSpec spec = randomSpec(random);
            Tensor src = randomTensor(dtype, spec.oldShape(), random);
            Tensor dst = Tensor.allocate(dtype, spec.newShape());
            kernel.pad(src, dst, spec);
            assertMatchesDefinition(src, dst, spec, "trial " + trial + " " + Arrays.toString(spec.oldShape())
                    + " -> " + Arrays.toString(spec.newShape()) + " " + spec.fill());
        }
    }

    /** The two uses in growth: an embedding's new columns are row means, a writer's new rows column means. */
    @Test
    void embeddingColumnsAndWriterRows() {
        Tensor embedding = Tensor.of(DType.F64, new long[] {2, 3}, new double[] {1, 2, 6, -3, 0, 0});
        Tensor grown = Tensor.allocate(DType.F64, 2, 5);
        kernel.pad(embedding, grown, new PadSpec(new long[] {2, 3}, new long[] {2, 5},
                new int[][] {PadSpec.identity(2), PadSpec.prefix(3, 5)}, 1.0, new Fill.AxisMean(1)));
        assertEquals(Arrays.toString(new double[] {1, 2, 6, 3, 3, -3, 0, 0, -1, -1}),
                Arrays.toString(grown.toDoubleArray()));
        Tensor writer = Tensor.allocate(DType.F64, 4, 2);
        kernel.pad(embedding.convertTo(DType.F64), writer, new PadSpec(new long[] {2, 3}, new long[] {4, 2},
                new int[][] {PadSpec.prefix(2, 4), new int[] {2, 0}}, 2.0, new Fill.AxisMean(0)));
        // rows 2 and 3: 2 × mean of the old rows at old columns 2 and 0: 2 × (6 + 0)/2, 2 × (1 − 3)/2
        assertEquals(Arrays.toString(new double[] {12, 2, 0, -6, 6, -2, 6, -2}),
                Arrays.toString(writer.toDoubleArray()));
    }

    /**
     * Issue 8, fault 6: a NaN or infinity (carried with --allow-non-finite) is left out of the mean, so the new entries
     * stay finite; a column with no finite entry gets 0. Before, one NaN made every new entry of its row NaN.
     */
    @Test
    void nonFiniteEntriesAreLeftOutOfTheMean() {
        Tensor embedding = Tensor.of(DType.F32, new long[] {3, 3}, new double[] {1, Double.NaN, 5,
                Double.POSITIVE_INFINITY, 2, 4, Double.NaN, Double.NEGATIVE_INFINITY, Double.NaN});
        Tensor grown = Tensor.allocate(DType.F32, 3, 4);
        PadSpec spec = new PadSpec(new long[] {3, 3}, new long[] {3, 4},
                new int[][] {PadSpec.identity(3), PadSpec.prefix(3, 4)}, 1.0, new Fill.AxisMean(1));
        kernel.pad(embedding, grown, spec);
        assertEquals(3.0, grown.get(3));
        assertEquals(3.0, grown.get(7));
        assertEquals(0.0, grown.get(11));
        assertMatchesDefinition(embedding, grown, spec, "non-finite");
    }

    @Test
    void largeTensorsTakeTheParallelPath() {
        Random random = new Random(8);
        PadSpec spec = new PadSpec(new long[] {300, 250}, new long[] {300, 420},
                new int[][] {PadSpec.identity(300), PadSpec.prefix(250, 420)}, 1.0, new Fill.AxisMean(1));
        Tensor src = randomTensor(DType.F32, spec.oldShape(), random);
        Tensor dst = Tensor.allocate(DType.F32, spec.newShape());
        kernel.pad(src, dst, spec);
        assertMatchesDefinition(src, dst, spec, "large");
    }

    @Test
    void withoutASourceEveryNewEntryIsZeroAndBadAxesAreRefused() {
        PadSpec spec = new PadSpec(new long[] {2, 3}, new long[] {2, 4},
                new int[][] {PadSpec.identity(2), PadSpec.prefix(3, 4)}, 1.0, new Fill.AxisMean(1));
        Tensor dst = Tensor.allocate(DType.F32, 2, 4);
        kernel.pad(null, dst, spec);
        assertTrue(Arrays.stream(dst.toDoubleArray()).allMatch(v -> v == 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PadSpec(new long[] {2},
                new long[] {3}, new int[][] {PadSpec.prefix(2, 3)}, 1.0, new Fill.AxisMean(1)));
        assertTrue(e.getMessage().contains("mean fill along axis 1 of old shape [2]"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new Fill.AxisMean(0).valueAt(0));
    }

    static void assertMatchesDefinition(Tensor src, Tensor dst, PadSpec spec, String what) {
        int axis = ((Fill.AxisMean) spec.fill()).axis();
        long[] shape = spec.newShape();
        int[] index = new int[shape.length];
        Tensor rounding = Tensor.allocate(dst.dtype(), 1);
        for (long flat = 0; flat < dst.size(); flat++) {
            long rest = flat;
            for (int a = shape.length - 1; a >= 0; a--) {
                index[a] = (int) (rest % shape[a]);
                rest /= shape[a];
            }
            rounding.set(0, expected(src, spec, index, axis));
            if (Double.doubleToRawLongBits(rounding.get(0)) != Double.doubleToRawLongBits(dst.get(flat))) {
                fail(what + ": entry " + flat + " expected " + rounding.get(0) + " got " + dst.get(flat));
            }
        }
    }

    private static double expected(Tensor src, PadSpec spec, int[] index, int axis) {
        int[] old = new int[index.length];
        boolean newOnAxis = false;
        for (int a = 0; a < index.length; a++) {
            old[a] = spec.newToOld()[a][index[a]];
            if (old[a] < 0 && a == axis) {
                newOnAxis = true;
            } else if (old[a] < 0) {
                return 0.0;
            }
        }
        if (!newOnAxis) {
            return spec.scale() * src.get(flat(old, spec.oldShape()));
        }
        long n = spec.oldShape()[axis];
        double sum = 0;
        long finite = 0;
        for (int k = 0; k < n; k++) {
            old[axis] = k;
            double v = src.get(flat(old, spec.oldShape()));
            if (Double.isFinite(v)) {
                sum += v;
                finite++;
            }
        }
        return spec.scale() * (finite == 0 ? 0.0 : sum / finite);
    }

    private static long flat(int[] index, long[] shape) {
        long flat = 0;
        for (int a = 0; a < index.length; a++) {
            flat = flat * shape[a] + index[a];
        }
        return flat;
    }

    private static PadSpec randomSpec(Random r) {
        int rank = 1 + r.nextInt(4);
        long[] oldShape = new long[rank];
        long[] newShape = new long[rank];
        int[][] maps = new int[rank][];
        for (int a = 0; a < rank; a++) {
            int oldSize = 1 + r.nextInt(6);
            int newSize = 1 + r.nextInt(9);
            oldShape[a] = oldSize;
            newShape[a] = newSize;
            maps[a] = new int[newSize];
            for (int i = 0; i < newSize; i++) {
                maps[a][i] = r.nextInt(3) == 0 ? -1 : (i < oldSize ? i : r.nextInt(oldSize + 1) - 1);
            }
        }
        double scale = r.nextBoolean() ? 1.0 : Math.sqrt(0.5 + r.nextDouble());
        return new PadSpec(oldShape, newShape, maps, scale, new Fill.AxisMean(r.nextInt(rank)));
    }

    private static Tensor randomTensor(DType dtype, long[] shape, Random r) {
        Tensor t = Tensor.allocate(dtype, shape);
        for (long i = 0; i < t.size(); i++) {
            t.set(i, r.nextGaussian());
        }
        return t;
    }
}
