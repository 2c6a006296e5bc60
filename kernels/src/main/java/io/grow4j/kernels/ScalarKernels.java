package io.grow4j.kernels;

import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;

/**
 * The plain reference backend: one thread, simple loops in index order, every sum accumulated in double and rounded
 * to float once at the end. Other backends are tested against it, so it stays obviously correct rather than fast.
 */
public final class ScalarKernels implements KernelBackend {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String device() {
        return "Java scalar reference (one thread, double accumulation)";
    }

    @Override
    public void matvec(float[] w, float[] x, float[] out, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            out[r] = (float) dot(w, r * cols, x, 0, cols);
        }
    }

    @Override
    public void matmul(float[] a, float[] b, float[] c, int m, int n, int k) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[i * n + j] = (float) dot(a, i * k, b, j * k, k);
            }
        }
    }

    @Override
    public void rmsnorm(float[] out, float[] x, float[] gain, float eps, int n) {
        double squares = 0;
        for (int i = 0; i < n; i++) {
            squares += (double) x[i] * x[i];
        }
        double inv = 1.0 / Math.sqrt(squares / n + eps);
        for (int i = 0; i < n; i++) {
            out[i] = (float) (x[i] * inv * gain[i]);
        }
    }

    @Override
    public void rope(float[] vec, int heads, int headSize, int position, RopeFrequencies frequencies,
                     RopeLayout layout) {
        double factor = frequencies.attentionFactor();
        for (int h = 0; h < heads; h++) {
            int base = h * headSize;
            for (int pair = 0; pair < headSize / 2; pair++) {
                double angle = frequencies.angle(position, pair);
                double cos = Math.cos(angle) * factor;
                double sin = Math.sin(angle) * factor;
                int i0 = base + layout.dimOf(pair, 0, headSize);
                int i1 = base + layout.dimOf(pair, 1, headSize);
                double x0 = vec[i0];
                double x1 = vec[i1];
                vec[i0] = (float) (x0 * cos - x1 * sin);
                vec[i1] = (float) (x0 * sin + x1 * cos);
            }
        }
    }

    @Override
    public void attention(float[] q, float[] keys, float[] values, float[] out, int position,
                          int queryHeads, int kvHeads, int keySize, int valueSize) {
        int group = queryHeads / kvHeads;
        double scale = 1.0 / Math.sqrt(keySize);
        double[] weights = new double[position + 1];
        for (int h = 0; h < queryHeads; h++) {
            int kvHead = h / group;
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t <= position; t++) {
                weights[t] = dot(q, h * keySize, keys, (t * kvHeads + kvHead) * keySize, keySize) * scale;
                max = Math.max(max, weights[t]);
            }
            double sum = 0;
            for (int t = 0; t <= position; t++) {
                weights[t] = Math.exp(weights[t] - max);
                sum += weights[t];
            }
            for (int d = 0; d < valueSize; d++) {
                double acc = 0;
                for (int t = 0; t <= position; t++) {
                    acc += weights[t] * values[(t * kvHeads + kvHead) * valueSize + d];
                }
                out[h * valueSize + d] = (float) (acc / sum);
            }
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            gate[i] = (float) (ActivationMath.silu(gate[i]) * up[i]);
        }
    }

    @Override
    public void relu(float[] x, int n) {
        for (int i = 0; i < n; i++) {
            x[i] = (float) ActivationMath.relu(x[i]);
        }
    }

    @Override
    public void gelu(float[] x, int n) {
        for (int i = 0; i < n; i++) {
            x[i] = (float) ActivationMath.gelu(x[i]);
        }
    }

    @Override
    public void add(float[] y, float[] x, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += x[i];
        }
    }

    private static double dot(float[] a, int aOff, float[] b, int bOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (double) a[aOff + i] * b[bOff + i];
        }
        return sum;
    }
}
