package io.grow4j.train;

import java.util.stream.IntStream;

/**
 * The bias of a linear layer in the float32 training pass: y [rows, width] += b in every row (after the matmul,
 * rounded as the inference pass adds it), and its gradient db += Σ_rows dy, one column per task in double.
 */
final class FloatBiases {
    private FloatBiases() {
    }

    /** Adds bias to every row of y; does nothing when bias is null (the config has none). */
    static void add(float[] y, float[] bias, int rows) {
        if (bias == null) {
            return;
        }
        int width = bias.length;
        IntStream.range(0, rows).parallel().forEach(row -> {
            for (int i = 0; i < width; i++) {
                y[row * width + i] += bias[i];
            }
        });
    }

    /** dBias += column sums of dy [rows, dBias.length]; nothing when dBias is null. */
    static void addGradient(float[] dy, float[] dBias, int rows) {
        if (dBias == null) {
            return;
        }
        int width = dBias.length;
        IntStream.range(0, width).parallel().forEach(i -> {
            double sum = 0;
            for (int row = 0; row < rows; row++) {
                sum += dy[row * width + i];
            }
            dBias[i] += (float) sum;
        });
    }
}
