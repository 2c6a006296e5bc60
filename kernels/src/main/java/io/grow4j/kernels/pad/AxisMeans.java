package io.grow4j.kernels.pad;

import io.grow4j.model.Tensor;

import java.util.stream.IntStream;

/**
 * The {@link Fill.AxisMean} entries of a padded tensor, on the CPU. The tensor is seen as [outer, axis, inner]: the
 * means of the old tensor are one [outer, inner] table, summed over the axis in index order (the order the device
 * kernel sums in, so both give the same bits), then copied into every new slot of the axis whose other indices are
 * old.
 */
final class AxisMeans {
    private AxisMeans() {
    }

    /** Writes the mean entries; every other entry of dst is left as it is. */
    static void fill(Tensor src, Tensor dst, PadSpec spec, int axis) {
        if (src == null) {
            return;
        }
        long[] oldShape = spec.oldShape();
        long[] newShape = spec.newShape();
        double[] means = means(src, oldShape, axis);
        long[] outerOld = oldIndices(spec, 0, axis);
        long[] innerOld = oldIndices(spec, axis + 1, newShape.length);
        long oldInner = product(oldShape, axis + 1, oldShape.length);
        int[] axisMap = spec.newToOld()[axis];
        long newAxis = newShape[axis];
        double scale = spec.scale();
        IntStream range = IntStream.range(0, outerOld.length);
        if (spec.newElementCount() >= 1 << 16) {
            range = range.parallel();
        }
        range.forEach(o -> {
            if (outerOld[o] < 0) {
                return;
            }
            for (int j = 0; j < newAxis; j++) {
                if (axisMap[j] >= 0) {
                    continue;
                }
                long base = ((long) o * newAxis + j) * innerOld.length;
                for (int i = 0; i < innerOld.length; i++) {
                    if (innerOld[i] >= 0) {
                        dst.set(base + i, scale * means[Math.toIntExact(outerOld[o] * oldInner + innerOld[i])]);
                    }
                }
            }
        });
    }

    /**
     * [outer, inner] table of Σ_k src[outer, k, inner] / n, k ascending, over the finite entries only (n counts
     * them; no finite entry: 0), so a NaN or infinity carried on request does not spread into the new entries.
     */
    private static double[] means(Tensor src, long[] oldShape, int axis) {
        long outer = product(oldShape, 0, axis);
        long n = oldShape[axis];
        long inner = product(oldShape, axis + 1, oldShape.length);
        double[] sums = new double[table(outer * inner, "mean table")];
        long[] finite = new long[sums.length];
        for (long o = 0; o < outer; o++) {
            for (long k = 0; k < n; k++) {
                long from = (o * n + k) * inner;
                int to = (int) (o * inner);
                for (int i = 0; i < inner; i++) {
                    double v = src.get(from + i);
                    if (Double.isFinite(v)) {
                        sums[to + i] += v;
                        finite[to + i]++;
                    }
                }
            }
        }
        for (int i = 0; i < sums.length; i++) {
            sums[i] = finite[i] == 0 ? 0.0 : sums[i] / finite[i];
        }
        return sums;
    }

    /**
     * For every flat index over new axes [from, to), the flat index over the same old axes, or -1 where any of them
     * maps to a new index.
     */
    private static long[] oldIndices(PadSpec spec, int from, int to) {
        long[] newShape = spec.newShape();
        long[] oldShape = spec.oldShape();
        long[] out = new long[table(product(newShape, from, to), "index table")];
        for (int flat = 0; flat < out.length; flat++) {
            long rest = flat;
            long old = 0;
            long stride = 1;
            for (int a = to - 1; a >= from && old >= 0; a--) {
                int mapped = spec.newToOld()[a][(int) (rest % newShape[a])];
                rest /= newShape[a];
                old = mapped < 0 ? -1 : old + mapped * stride;
                stride *= oldShape[a];
            }
            out[flat] = old;
        }
        return out;
    }

    private static long product(long[] shape, int from, int to) {
        long n = 1;
        for (int a = from; a < to; a++) {
            n *= shape[a];
        }
        return n;
    }

    private static int table(long size, String what) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("mean fill: " + what + " of " + size + " entries exceeds an array");
        }
        return (int) size;
    }
}
