package io.grow4j.kernels;

/** The transpose of a row-major matrix, for backends whose matmul takes one operand layout only. */
public final class Transpose {
    private Transpose() {
    }

    /** a [rows, cols] → aᵀ [cols, rows]. */
    public static float[] of(float[] a, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }
}
