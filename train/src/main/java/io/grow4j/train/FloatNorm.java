package io.grow4j.train;

import io.grow4j.model.NormKind;

import java.util.stream.IntStream;

/**
 * The block norms of the float32 training pass over x [rows, width], forward and backward: RMSNorm through
 * {@link FloatRows}, LayerNorm here (the maths of {@link ReferenceNorm}). The LayerNorm forward computes as the
 * inference kernel does (mean and variance in double, (x − μ)·r·gain + bias rounded once), so the training logits
 * equal ForwardPass's. Row sums accumulate in double; gain and bias gradients are summed per column, so rows never
 * race and the order is fixed at any thread count.
 */
final class FloatNorm {
    private final NormKind kind;
    private final int rows;
    private final int width;
    private final double eps;

    FloatNorm(NormKind kind, int rows, int width, double eps) {
        if (kind == NormKind.RMS_UNIT_OFFSET) {
            throw new IllegalArgumentException(kind + " norms have no backward pass");
        }
        this.kind = kind;
        this.rows = rows;
        this.width = width;
        this.eps = eps;
    }

    /** The normed rows y and what the backward reads: a copy of the input, r per row, μ per row (LayerNorm). */
    record Normed(float[] y, float[] x, float[] r, float[] mean) {
    }

    /** {@code bias} null for RMSNorm. x is copied, so the caller may go on changing it. */
    Normed forward(float[] x, float[] gain, float[] bias) {
        float[] saved = x.clone();
        float[] r = new float[rows];
        if (kind == NormKind.RMS) {
            return new Normed(FloatRows.rmsForward(saved, gain, r, rows, width, eps), saved, r, null);
        }
        float[] mean = new float[rows];
        float[] y = new float[rows * width];
        IntStream.range(0, rows).parallel().forEach(row -> {
            int base = row * width;
            double sum = 0;
            for (int i = 0; i < width; i++) {
                sum += saved[base + i];
            }
            double mu = sum / width;
            double squares = 0;
            for (int i = 0; i < width; i++) {
                double d = saved[base + i] - mu;
                squares += d * d;
            }
            double inv = 1.0 / Math.sqrt(squares / width + eps);
            for (int i = 0; i < width; i++) {
                y[base + i] = (float) ((saved[base + i] - mu) * inv * gain[i] + bias[i]);
            }
            mean[row] = (float) mu;
            r[row] = (float) inv;
        });
        return new Normed(y, saved, r, mean);
    }

    /**
     * Adds to dx the gradient at the norm's input from dy at its output, and the gain's (and bias's) gradient to
     * dGain (dBias, null for RMSNorm).
     */
    void backward(float[] dy, Normed n, float[] gain, float[] dx, float[] dGain, float[] dBias) {
        if (kind == NormKind.RMS) {
            FloatRows.rmsBackward(dy, n.x(), gain, n.r(), dx, dGain, rows, width);
            return;
        }
        IntStream.range(0, rows).parallel().forEach(row -> {
            int base = row * width;
            float mu = n.mean()[row];
            float r = n.r()[row];
            double dot = 0;
            double sum = 0;
            for (int i = 0; i < width; i++) {
                double dxHat = (double) dy[base + i] * gain[i];
                dot += dxHat * (n.x()[base + i] - mu) * r;
                sum += dxHat;
            }
            float shift = (float) (sum / width);
            float slope = (float) (dot / width);
            for (int i = 0; i < width; i++) {
                float xHat = (n.x()[base + i] - mu) * r;
                dx[base + i] += r * (dy[base + i] * gain[i] - shift - xHat * slope);
            }
        });
        IntStream.range(0, width).parallel().forEach(i -> {
            double gainSum = 0;
            double biasSum = 0;
            for (int row = 0; row < rows; row++) {
                float g = dy[row * width + i];
                gainSum += (double) g * (n.x()[row * width + i] - n.mean()[row]) * n.r()[row];
                biasSum += g;
            }
            dGain[i] += (float) gainSum;
            dBias[i] += (float) biasSum;
        });
    }
}
