package io.grow4j.kernels.opencl;

import io.grow4j.kernels.pad.PadSpec;

/**
 * A PadSpec flattened for the device: the new tensor as rows of its last axis, the old row feeding each new row
 * (-1 where a leading axis index is new) and the old column of each new column. Computing the row table on the host
 * keeps 64-bit divisions out of the kernel; it has one entry per row, at most twice the tensor's bytes for a
 * tensor whose last axis has size 1.
 */
record PadLayout(long rows, long cols, long oldCols, long[] srcRows, int[] colMap) {

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
        return new PadLayout(rows, cols, oldCols, srcRows, colMap);
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
