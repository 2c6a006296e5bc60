package io.grow4j.train;

import io.grow4j.kernels.KernelBackend;

import java.util.stream.IntStream;

/**
 * The three matmuls of a linear layer y = x·Wᵀ (x [rows, in], W [out, in] as stored, y [rows, out]), all on the
 * backend's c = a·bᵀ matmul: forward, the input gradient dx = dy·W and the weight gradient dW = dyᵀ·x. The last two
 * need transposed operands, which cost rows·(in + out) copies against rows·in·out multiply-adds.
 */
final class FloatLinear {
    private FloatLinear() {
    }

    static float[] forward(KernelBackend backend, float[] x, float[] w, int rows, int out, int in) {
        float[] y = new float[rows * out];
        backend.matmul(x, w, y, rows, out, in);
        return y;
    }

    /** dx [rows, in] = dy [rows, out] · W [out, in]. */
    static float[] inputGradient(KernelBackend backend, float[] dy, float[] w, int rows, int out, int in) {
        float[] dx = new float[rows * in];
        backend.matmul(dy, transpose(w, out, in), dx, rows, in, out);
        return dx;
    }

    /** dW [out, in] += dyᵀ · x; adds so that a tied head and embedding share one gradient. */
    static void addWeightGradient(KernelBackend backend, float[] dy, float[] x, float[] dw, int rows, int out,
                                  int in) {
        float[] product = new float[out * in];
        backend.matmul(transpose(dy, rows, out), transpose(x, rows, in), product, out, in, rows);
        for (int i = 0; i < product.length; i++) {
            dw[i] += product[i];
        }
    }

    /** Tile edge of the transpose: a 32 × 32 float tile is 4 KB, so both its reads and its writes stay in L1. */
    private static final int TILE = 32;

    /** a [rows, cols] → aᵀ [cols, rows], tile by tile, tiles of rows in parallel (each task writes its own columns). */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[rows * cols];
        IntStream.range(0, (rows + TILE - 1) / TILE).parallel().forEach(tileRow -> {
            int r0 = tileRow * TILE;
            int r1 = Math.min(rows, r0 + TILE);
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int c1 = Math.min(cols, c0 + TILE);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        t[c * rows + r] = a[r * cols + c];
                    }
                }
            }
        });
        return t;
    }
}
