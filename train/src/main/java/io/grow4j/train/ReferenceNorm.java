package io.grow4j.train;

import io.grow4j.model.NormKind;

/**
 * RMSNorm and LayerNorm of one row in double precision, forward and backward, for {@link ReferenceTraining}. Both
 * are y = gain⊙x̂ + bias with x̂ = (x − μ)·r: RMSNorm has μ = 0, r = (mean x² + ε)^−½ and no bias; LayerNorm has
 * μ = mean x, r = (mean (x − μ)² + ε)^−½ (variance with 1/n, as torch.nn.LayerNorm and HF GPT-2). The forward runs
 * the inference reference's operations in its order, so the training logits equal ReferenceForward's.
 */
final class ReferenceNorm {
    private ReferenceNorm() {
    }

    /** The output y and what the backward needs: x̂ and r. */
    record Row(double[] y, double[] xHat, double r) {
    }

    /** {@code bias} is null for RMSNorm. */
    static Row forward(NormKind kind, double[] x, double[] gain, double[] bias, double eps) {
        int n = x.length;
        double mean = 0;
        if (kind == NormKind.LAYER) {
            double sum = 0;
            for (double v : x) {
                sum += v;
            }
            mean = sum / n;
        } else if (kind != NormKind.RMS) {
            throw new IllegalArgumentException(kind + " norms have no backward pass");
        }
        double squares = 0;
        for (double v : x) {
            squares += (v - mean) * (v - mean);
        }
        double r = 1.0 / Math.sqrt(squares / n + eps);
        double[] xHat = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            xHat[i] = (x[i] - mean) * r;
            y[i] = bias == null ? xHat[i] * gain[i] : xHat[i] * gain[i] + bias[i];
        }
        return new Row(y, xHat, r);
    }

    /**
     * The gradient at x, from dy: with dx̂ = gain⊙dy, dx = r·(dx̂ − x̂·mean(dx̂⊙x̂)) for RMSNorm and
     * r·(dx̂ − mean(dx̂) − x̂·mean(dx̂⊙x̂)) for LayerNorm (the mean's own path). Adds dy⊙x̂ to dGain and dy to dBias
     * (null for RMSNorm).
     */
    static double[] backward(NormKind kind, double[] dy, Row row, double[] gain, double[] dGain, double[] dBias) {
        int n = dy.length;
        double[] dxHat = new double[n];
        double dot = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            dGain[i] += dy[i] * row.xHat()[i];
            if (dBias != null) {
                dBias[i] += dy[i];
            }
            dxHat[i] = dy[i] * gain[i];
            dot += dxHat[i] * row.xHat()[i];
            sum += dxHat[i];
        }
        double shift = kind == NormKind.LAYER ? sum / n : 0;
        double[] dx = new double[n];
        for (int i = 0; i < n; i++) {
            dx[i] = row.r() * (dxHat[i] - shift - row.xHat()[i] * dot / n);
        }
        return dx;
    }
}
