package io.grow4j.kernels.opencl;

import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadSpec;

/**
 * A PadSpec flattened for the device: the new tensor as rows of its last axis, the old row feeding each new row
 * (-1 where a leading axis index is new) and the old column of each new column. Computing the row table on the host
 * keeps 64-bit divisions out of the kernel; it has one entry per row, at most twice the tensor's bytes for a
 * tensor whose last axis has size 1.
 */
record PadLayout(long rows, long cols, long oldCols, long[] srcRows, int[] colMap, MeanRows means) {

    /**
     * Where {@link io.grow4j.kernels.pad.Fill.AxisMean} entries read: for each new row, the old row its mean starts
     * at (-1: the row has no mean entries), the element step between the n summed entries, and whether the mean runs
     * along the last axis (then a row's new columns average its old row) or a leading one (then a new row's old
     * columns average the old rows along the axis).
     */
    record MeanRows(long[] startRows, long step, long count, boolean lastAxis) {
        static final MeanRows NONE = new MeanRows(new long[] {-1}, 0, 0, false);
    }

    static PadLayout of(PadSpec spec, boolean hasSource) {
        int rank = spec.rank();
        long cols = rank == 0 ? 1 : spec.newShape()[rank - 1];
        long oldCols = rank == 0 ? 1 : spec.oldShape()[rank - 1];
        long rows = cols == 0 ? 0 : spec.newElementCount() / cols;
        int[] colMap = rank == 0 ? new int[] {0} : spec.newToOld()[rank - 1].clone();
        long[] srcRows = new long[Math.toIntExact(rows)];
        for (int row = 0; row < srcRows.length; row++) {
            srcRows[row] = hasSource ? sourceRow(spec, row) : -1;
        }
        MeanRows means = spec.fill() instanceof Fill.AxisMean(int axis) && hasSource
                ? meanRows(spec, axis, srcRows, oldCols) : MeanRows.NONE;
        return new PadLayout(rows, cols, oldCols, srcRows, colMap, means);
    }

    private static MeanRows meanRows(PadSpec spec, int axis, long[] srcRows, long oldCols) {
        int rank = spec.rank();
        long n = spec.oldShape()[axis];
        if (axis == rank - 1) {
            return new MeanRows(srcRows, 1, n, true);
        }
        // rows are the leading axes flattened; the mean axis is one of them, with this stride in old rows
        long rowStride = 1;
        for (int a = axis + 1; a < rank - 1; a++) {
            rowStride *= spec.oldShape()[a];
        }
        long[] starts = new long[srcRows.length];
        for (int row = 0; row < starts.length; row++) {
            starts[row] = meanStart(spec, axis, row);
        }
        return new MeanRows(starts, rowStride * oldCols, n, false);
    }

    /** The old row with index 0 on the mean axis, when this new row is new on that axis only; else -1. */
    private static long meanStart(PadSpec spec, int axis, long row) {
        long srcRow = 0;
        long stride = 1;
        long rest = row;
        boolean newOnAxis = false;
        for (int a = spec.rank() - 2; a >= 0; a--) {
            long n = spec.newShape()[a];
            int old = spec.newToOld()[a][(int) (rest % n)];
            rest /= n;
            if (a == axis) {
                newOnAxis = old < 0;
                old = 0;
            } else if (old < 0) {
                return -1;
            }
            srcRow += old * stride;
            stride *= spec.oldShape()[a];
        }
        return newOnAxis ? srcRow : -1;
    }

    /** Same walk as CpuPadKernel.sourceRow: leading axes, last-but-one fastest. */
    private static long sourceRow(PadSpec spec, long row) {
        long srcRow = 0;
        long stride = 1;
        long rest = row;
        for (int a = spec.rank() - 2; a >= 0; a--) {
            long n = spec.newShape()[a];
            int old = spec.newToOld()[a][(int) (rest % n)];
            rest /= n;
            if (old < 0) {
                return -1;
            }
            srcRow += old * stride;
            stride *= spec.oldShape()[a];
        }
        return srcRow;
    }
}
