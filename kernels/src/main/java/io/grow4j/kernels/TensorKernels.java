package io.grow4j.kernels;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;

import java.util.Set;

/**
 * Products with weights read in place from a {@link Tensor} (often a read-only slice of a memory-mapped file) in its
 * stored dtype, converted to float32 as they are read: no float copy of the model is made. A backend that implements
 * this is handed the tensors themselves; others get float arrays.
 */
public interface TensorKernels {
    /** The dtypes these kernels read in place. */
    Set<DType> READABLE = Set.of(DType.F32, DType.F16, DType.BF16);

    /** out[r] = Σ_c w[r, c] · x[c]; w is [rows, cols] with rows = out.length, cols = x.length. */
    void matvec(Tensor w, float[] x, float[] out);

    /**
     * outs[i] = ws[i] · x for every i (Q, K and V; gate and up): several projections of one input in one parallel
     * pass, which saves a synchronisation per projection. Each result equals {@link #matvec} bit for bit.
     */
    void matvecs(Tensor[] ws, float[] x, float[][] outs);

    /**
     * outs[i] = ws[i] · x for matrices with the same number of rows, then {@code then.run(from, to)} once the rows
     * [from, to) of every output are done: an entrywise step that follows the products (a gated MLP's biases and
     * activation) runs in their parallel pass, on each thread's rows, instead of alone on one thread after it while
     * the others wait. Each product equals {@link #matvec} bit for bit; {@code then} covers every row exactly once.
     * The default runs {@link #matvecs}, then {@code then} over all rows.
     *
     * @throws IllegalArgumentException if the matrices' row counts differ
     */
    default void matvecsThen(Tensor[] ws, float[] x, float[][] outs, RangeBody then) {
        int rows = TensorKernelsChecks.sameRows(ws);
        matvecs(ws, x, outs);
        then.run(0, rows);
    }

    /**
     * c[i, j] = Σ_t a[i·k + t] · w[j, t]: a is [m, k] activations, w is [n, k] weights, c is [m, n]. Each weight is
     * read once per call, so a batch of m positions costs one pass over the weights. Small batches sum
     * in {@link #matvec}'s order; larger ones run the packed kernel, whose depth blocking rounds differently.
     */
    void matmul(float[] a, int m, Tensor w, float[] c);
}
