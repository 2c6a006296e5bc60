package io.grow4j.kernels;

import org.apache.commons.math3.special.Erf;

/** MLP nonlinearities in double precision, as the references compute them. */
public final class ActivationMath {
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private ActivationMath() {
    }

    /** 1 / (1 + e^-x): Qwen2-MoE's shared-expert gate. */
    public static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** x · sigmoid(x), the gate of SwiGLU. */
    public static double silu(double x) {
        return x / (1.0 + Math.exp(-x));
    }

    /**
     * SwiGLU's entry silu(gate) · up in double, rounded once to float: the CPU backend's {@code swiglu} and the
     * decoding pass's fused gated step both use it, so they agree bit for bit.
     */
    public static float swiglu(float gate, float up) {
        return (float) (silu(gate) * up);
    }

    /** Gemma's GeGLU entry gelu_tanh(gate) rounded to float, times up in float (as geluTanh, then a product). */
    public static float gegluTanh(float gate, float up) {
        return (float) geluTanh(gate) * up;
    }

    /**
     * Exact GELU x · Φ(x), not the tanh approximation (which differs by up to ~1e-3). Φ(x) = erfc(-x/√2)/2 rather
     * than (1 + erf(x/√2))/2: the latter cancels to 0 for x below about -8 and loses relative accuracy before that.
     */
    public static double gelu(double x) {
        return 0.5 * x * Erf.erfc(-x * INV_SQRT2);
    }

    /** GPT-2's "gelu_new": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    public static double geluTanh(double x) {
        return 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    }

    public static double relu(double x) {
        return Math.max(x, 0.0);
    }

    /**
     * Softmax's shifted exponentials in place: s[from + j] ← (float) exp(s[from + j] − max) for j in [0, count), in
     * index order, returning their sum in double (the caller divides by it). Subtracting the maximum keeps exp from
     * overflowing; the normalised weights are unchanged by it. Shared by the per-position and the batched attention, so
     * both give the same bits.
     */
    public static double shiftedExpInPlace(float[] s, int from, int count, float max) {
        double sum = 0;
        for (int j = from; j < from + count; j++) {
            float e = (float) Math.exp(s[j] - max);
            s[j] = e;
            sum += e;
        }
        return sum;
    }
}
