package io.grow4j.kernels.pad;

import io.grow4j.model.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.stream.LongStream;

/**
 * Padding on the CPU: the tensor is seen as rows of its last axis; rows are independent and run in parallel. A row
 * whose columns keep their order and that needs no scaling or conversion is one bulk copy plus a fill of its tail,
 * which is what most growth steps produce and what keeps padding near memory-copy speed.
 */
public final class CpuPadKernel implements PadKernel {
    private static final long PARALLEL_THRESHOLD = 1 << 16;

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public void pad(Tensor src, Tensor dst, PadSpec spec) {
        checkShapes(src, dst, spec);
        if (spec.fill() instanceof Fill.AxisMean(int axis)) {
            // old entries and zeros first, then the means over the new entries that have them
            pad(src, dst, spec.withFill(Fill.ZERO));
            AxisMeans.fill(src, dst, spec, axis);
            return;
        }
        int rank = spec.rank();
        long cols = rank == 0 ? 1 : spec.newShape()[rank - 1];
        long rows = spec.newElementCount() / Math.max(cols, 1);
        RowPlan plan = RowPlan.of(spec, src, dst);
        LongStream range = LongStream.range(0, rows);
        if (spec.newElementCount() >= PARALLEL_THRESHOLD) {
            range = range.parallel();
        }
        range.forEach(row -> padRow(src, dst, spec, plan, row, cols));
    }

    private static void checkShapes(Tensor src, Tensor dst, PadSpec spec) {
        if (!dst.hasShape(spec.newShape())) {
            throw new IllegalArgumentException("destination shape " + Tensor.shapeString(dst.shape()) + " != spec "
                    + Tensor.shapeString(spec.newShape()));
        }
        if (src != null && !src.hasShape(spec.oldShape())) {
            throw new IllegalArgumentException("source shape " + Tensor.shapeString(src.shape()) + " != spec "
                    + Tensor.shapeString(spec.oldShape()));
        }
    }

    private static void padRow(Tensor src, Tensor dst, PadSpec spec, RowPlan plan, long row, long cols) {
        long srcRow = sourceRow(spec, row);
        long dstBase = row * cols;
        int[] colMap = spec.rank() == 0 ? new int[] {0} : spec.newToOld()[spec.rank() - 1];
        long oldCols = spec.rank() == 0 ? 1 : spec.oldShape()[spec.rank() - 1];
        if (srcRow < 0 || src == null) {
            FillRanges.fill(dst, spec.fill(), dstBase, cols);
            return;
        }
        long srcBase = srcRow * oldCols;
        int done = 0;
        if (plan.bulkPrefix > 0) {
            long bytes = (long) plan.bulkPrefix * dst.dtype().bytes();
            MemorySegment.copy(src.data(), srcBase * src.dtype().bytes(), dst.data(), dstBase * dst.dtype().bytes(), bytes);
            done = plan.bulkPrefix;
        }
        int end = plan.newTail;
        for (int c = done; c < end; c++) {
            int oldCol = colMap[c];
            double v = oldCol < 0 ? spec.fill().valueAt(dstBase + c) : spec.scale() * src.get(srcBase + oldCol) + spec.shift();
            dst.set(dstBase + c, v);
        }
        if (end < cols) {
            FillRanges.fill(dst, spec.fill(), dstBase + end, cols - end);
        }
    }

    /** Flat index of the old row feeding new row {@code row}, or -1 when any leading axis maps to a new index. */
    private static long sourceRow(PadSpec spec, long row) {
        int rank = spec.rank();
        long srcRow = 0;
        long stride = 1;
        long rest = row;
        for (int a = rank - 2; a >= 0; a--) {
            long n = spec.newShape()[a];
            int idx = (int) (rest % n);
            rest /= n;
            int old = spec.newToOld()[a][idx];
            if (old < 0) {
                return -1;
            }
            srcRow += old * stride;
            stride *= spec.oldShape()[a];
        }
        return srcRow;
    }

    /**
     * The shape of every row: how many leading columns are a plain byte copy (they map to themselves and need no
     * scaling or conversion), and from which column on every entry is new (filled in bulk), or -1.
     */
    private record RowPlan(int bulkPrefix, int newTail) {
        static RowPlan of(PadSpec spec, Tensor src, Tensor dst) {
            if (spec.rank() == 0) {
                return new RowPlan(0, 1);
            }
            int[] colMap = spec.newToOld()[spec.rank() - 1];
            int tail = colMap.length;
            while (tail > 0 && colMap[tail - 1] < 0) {
                tail--;
            }
            if (src == null || spec.scale() != 1.0 || spec.shift() != 0.0 || src.dtype() != dst.dtype()) {
                return new RowPlan(0, tail);
            }
            int n = 0;
            while (n < tail && colMap[n] == n) {
                n++;
            }
            return new RowPlan(n, tail);
        }
    }
}
