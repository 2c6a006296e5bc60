package io.grow4j.kernels.pad;

import io.grow4j.model.Tensor;

import java.util.Arrays;

/**
 * How one tensor grows: for every axis and every index of the new shape, the old index it takes, or -1 for a new
 * entry. An entry whose indices all map to old ones is {@code scale × old + shift} (shift is (scale − 1) for a
 * (1 + w) norm gain, so that 1 + w is what scales, else 0); every other entry comes from the fill.
 * Old indices may repeat (duplication) and move (RoPE pair placement, GQA renumbering); this one form serves every
 * transformation, in memory, streamed and on a device.
 */
public record PadSpec(long[] oldShape, long[] newShape, int[][] newToOld, double scale, Fill fill, double shift) {

    /** A spec whose old entries are scaled only (every transformation but those on (1 + w) norm gains). */
    public PadSpec(long[] oldShape, long[] newShape, int[][] newToOld, double scale, Fill fill) {
        this(oldShape, newShape, newToOld, scale, fill, 0.0);
    }

    public PadSpec {
        if (oldShape.length != newShape.length || newToOld.length != newShape.length) {
            throw new IllegalArgumentException("rank mismatch: old " + Arrays.toString(oldShape) + ", new "
                    + Arrays.toString(newShape) + ", " + newToOld.length + " axis maps");
        }
        for (int a = 0; a < newShape.length; a++) {
            if (newToOld[a].length != newShape[a]) {
                throw new IllegalArgumentException("axis " + a + " map has " + newToOld[a].length + " entries for new size "
                        + newShape[a]);
            }
            for (int old : newToOld[a]) {
                if (old < -1 || old >= oldShape[a]) {
                    throw new IllegalArgumentException("axis " + a + " maps to old index " + old + " outside 0.."
                            + (oldShape[a] - 1));
                }
            }
        }
        if (fill instanceof Fill.AxisMean(int axis) && (axis >= newShape.length || oldShape[axis] == 0)) {
            throw new IllegalArgumentException("mean fill along axis " + axis + " of old shape "
                    + Arrays.toString(oldShape) + ": no old entries along it");
        }
    }

    /** The same spec with another fill. */
    public PadSpec withFill(Fill other) {
        return new PadSpec(oldShape, newShape, newToOld, scale, other, shift);
    }

    /**
     * Entry {@code flat} (row-major index into the new shape) as a kernel computes it before rounding to the
     * destination's dtype: scale × old + shift where every axis maps to an old index of {@code src}, else the fill's
     * value. With scale 1 and no shift the old entry itself, as a kernel's bulk copy leaves it (a zero's sign may then
     * differ from the kernel's element path, which no statistic sees). Only for fills that do not
     * {@link Fill#readsSource() read the source}.
     */
    public double valueAt(Tensor src, long flat) {
        long old = 0;
        long stride = 1;
        long rest = flat;
        for (int a = newShape.length - 1; a >= 0; a--) {
            int idx = (int) (rest % newShape[a]);
            rest /= newShape[a];
            int o = newToOld[a][idx];
            if (o < 0 || src == null) {
                return fill.valueAt(flat);
            }
            old += o * stride;
            stride *= oldShape[a];
        }
        double v = src.get(old);
        return scale == 1.0 && shift == 0.0 ? v : scale * v + shift;
    }

    /** Old indices 0..old-1 stay in place; new indices from old on are new entries. */
    public static int[] prefix(int oldSize, int newSize) {
        int[] map = new int[newSize];
        for (int i = 0; i < newSize; i++) {
            map[i] = i < oldSize ? i : -1;
        }
        return map;
    }

    public static int[] identity(int size) {
        return prefix(size, size);
    }

    public int rank() {
        return newShape.length;
    }

    public long newElementCount() {
        long n = 1;
        for (long d : newShape) {
            n *= d;
        }
        return n;
    }

    /** True when the tensor keeps shape and values: nothing to do but copy (and scale). */
    public boolean isIdentity() {
        if (!Arrays.equals(oldShape, newShape)) {
            return false;
        }
        for (int[] map : newToOld) {
            for (int i = 0; i < map.length; i++) {
                if (map[i] != i) {
                    return false;
                }
            }
        }
        return true;
    }
}
