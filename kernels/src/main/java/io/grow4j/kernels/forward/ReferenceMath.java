package io.grow4j.kernels.forward;

import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;

/**
 * The operations of the double reference pass. Every sum runs in index order, so the result is a deterministic
 * function of the weights: zeros that growth appends add exactly nothing, which the 1e-12 tests rely on.
 */
final class ReferenceMath {
    private ReferenceMath() {
    }

    /** w (rows, cols) · x, plus bias when it is not null. */
    static double[] matvec(double[] w, double[] x, double[] bias, int rows, int cols) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                sum += w[base + c] * x[c];
            }
            out[r] = bias == null ? sum : sum + bias[r];
        }
        return out;
    }

    static double[] rmsnorm(double[] x, double[] gain, double eps) {
        return rmsnorm(x, gain, eps, 0.0);
    }

    /** RMSNorm whose gain is offset + w (offset 1: Gemma's (1 + w) norms). */
    static double[] rmsnorm(double[] x, double[] gain, double eps, double offset) {
        double squares = 0;
        for (double v : x) {
            squares += v * v;
        }
        double inv = 1.0 / Math.sqrt(squares / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inv * (offset + gain[i]);
        }
        return out;
    }

    /**
     * RMSNorm of each of {@code heads} consecutive slices of headSize entries, in place, every slice with the same
     * gain (Qwen3's per-head QK-norm).
     */
    static void rmsnormHeads(double[] x, double[] gain, int heads, int headSize, double eps, double offset) {
        for (int h = 0; h < heads; h++) {
            double[] head = java.util.Arrays.copyOfRange(x, h * headSize, (h + 1) * headSize);
            System.arraycopy(rmsnorm(head, gain, eps, offset), 0, x, h * headSize, headSize);
        }
    }

    /** LayerNorm: (x − mean) / sqrt(var + eps) · gain + bias, variance with 1/n, in two passes over x. */
    static double[] layernorm(double[] x, double[] gain, double[] bias, double eps) {
        double sum = 0;
        for (double v : x) {
            sum += v;
        }
        double mean = sum / x.length;
        double squares = 0;
        for (double v : x) {
            squares += (v - mean) * (v - mean);
        }
        double inv = 1.0 / Math.sqrt(squares / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (x[i] - mean) * inv * gain[i] + bias[i];
        }
        return out;
    }

    /** Rotates pair i of every head by position · theta^(-2i/headSize), in place. */
    static void rope(double[] vec, int heads, int headSize, int position, double theta, RopeLayout layout) {
        rope(vec, heads, headSize, position, RopeFrequencies.plain(theta, headSize), layout);
    }

    /**
     * Rotates pair i of every head by position × the inverse frequency of pair i, in place, and multiplies it by the
     * attention factor (transformers scales cos and sin by it). The pairs cover the first 2 · frequencies.pairs()
     * dims of each head, laid out among themselves; with partial rotary the dims after them pass through.
     */
    static void rope(double[] vec, int heads, int headSize, int position, RopeFrequencies frequencies,
                     RopeLayout layout) {
        double factor = frequencies.attentionFactor();
        int rotary = 2 * frequencies.pairs();
        for (int pair = 0; pair < rotary / 2; pair++) {
            double angle = frequencies.angle(position, pair);
            double cos = Math.cos(angle) * factor;
            double sin = Math.sin(angle) * factor;
            for (int h = 0; h < heads; h++) {
                int i0 = h * headSize + layout.dimOf(pair, 0, rotary);
                int i1 = h * headSize + layout.dimOf(pair, 1, rotary);
                double x0 = vec[i0];
                double x1 = vec[i1];
                vec[i0] = x0 * cos - x1 * sin;
                vec[i1] = x0 * sin + x1 * cos;
            }
        }
    }

    /**
     * Causal attention of the query at {@code position} over cached rows keys[0..position] (each kvHeads·keySize)
     * and values[0..position] (each kvHeads·valueSize). Returns queryHeads·valueSize entries.
     */
    static double[] attention(double[] q, double[][] keys, double[][] values, int position,
                              int queryHeads, int kvHeads, int keySize, int valueSize) {
        return attention(q, keys, values, position, queryHeads, kvHeads, keySize, valueSize,
                1.0 / Math.sqrt(keySize), 0, 0);
    }

    /**
     * Attention over positions first..position only, logits × scale then soft-capped to cap·tanh(s / cap) when cap
     * &gt; 0 (Gemma 2: HF transformers eager_attention_forward with softcap and a sliding window).
     */
    static double[] attention(double[] q, double[][] keys, double[][] values, int position,
                              int queryHeads, int kvHeads, int keySize, int valueSize,
                              double scale, double softCap, int first) {
        int group = queryHeads / kvHeads;
        double[] out = new double[queryHeads * valueSize];
        double[] weights = new double[position + 1];
        for (int h = 0; h < queryHeads; h++) {
            int kvHead = h / group;
            double max = Double.NEGATIVE_INFINITY;
            for (int t = first; t <= position; t++) {
                double s = 0;
                for (int d = 0; d < keySize; d++) {
                    s += q[h * keySize + d] * keys[t][kvHead * keySize + d];
                }
                weights[t] = ShapedScores.softCap(s * scale, softCap);
                max = Math.max(max, weights[t]);
            }
            double sum = 0;
            for (int t = first; t <= position; t++) {
                weights[t] = Math.exp(weights[t] - max);
                sum += weights[t];
            }
            for (int d = 0; d < valueSize; d++) {
                double acc = 0;
                for (int t = first; t <= position; t++) {
                    acc += weights[t] * values[t][kvHead * valueSize + d];
                }
                out[h * valueSize + d] = acc / sum;
            }
        }
        return out;
    }

    /** y += x, element by element. */
    static void addInPlace(double[] y, double[] x) {
        for (int i = 0; i < y.length; i++) {
            y[i] += x[i];
        }
    }
}
