package io.grow4j.train;

import io.grow4j.kernels.KernelBackend;

/**
 * The three matmuls of a linear layer y = x·Wᵀ (x [rows, in], W [out, in] as stored, y [rows, out]), each one
 * product over all rows of the batch on the backend's packed kernel, with every operand read where it lies: forward
 * x·Wᵀ (NT), the input gradient dx = dy·W (NN) and the weight gradient dW += dyᵀ·x (TN).
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
        backend.matmulNN(dy, w, dx, rows, in, out);
        return dx;
    }

    /** dW [out, in] += dyᵀ · x; adds so that a tied head and embedding share one gradient. */
    static void addWeightGradient(KernelBackend backend, float[] dy, float[] x, float[] dw, int rows, int out,
                                  int in) {
        backend.addMatmulTN(dy, x, dw, out, in, rows);
    }
}
