package io.grow4j.train;

import io.grow4j.kernels.ActivationMath;
import io.grow4j.model.Activation;

/**
 * The ungated MLP nonlinearities h = f(z) and their derivatives f'(z), in double, for both training passes. The
 * values are {@link ActivationMath}'s, the ones inference uses, so training and inference compute one function.
 */
final class ActivationGradients {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double CUBIC = 0.044715;

    private ActivationGradients() {
    }

    /** Whether the backward pass has f' for this activation (SwiGLU is handled as a gated pair elsewhere). */
    static boolean supported(Activation activation) {
        return switch (activation) {
            case SWIGLU, GELU, GELU_TANH, RELU -> true;
            case GEGLU_TANH -> false;
        };
    }

    static double value(Activation activation, double z) {
        return switch (activation) {
            case GELU -> ActivationMath.gelu(z);
            case GELU_TANH -> ActivationMath.geluTanh(z);
            case RELU -> ActivationMath.relu(z);
            case SWIGLU, GEGLU_TANH -> throw new IllegalArgumentException(activation + " is gated");
        };
    }

    /**
     * f'(z). gelu_new: with u = √(2/π)(z + 0.044715z³), f = ½z(1 + tanh u), so
     * f' = ½(1 + tanh u) + ½z(1 − tanh²u)·√(2/π)(1 + 3·0.044715z²). Exact GELU: f = zΦ(z), f' = Φ(z) + zφ(z).
     * ReLU: 1 for z &gt; 0, else 0 (PyTorch's choice at 0).
     */
    static double derivative(Activation activation, double z) {
        return switch (activation) {
            case GELU_TANH -> {
                double t = Math.tanh(SQRT_2_OVER_PI * (z + CUBIC * z * z * z));
                yield 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * CUBIC * z * z);
            }
            case GELU -> normalCdf(z) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
            case RELU -> z > 0 ? 1 : 0;
            case SWIGLU, GEGLU_TANH -> throw new IllegalArgumentException(activation + " is gated");
        };
    }

    /** Φ(z), read back from the inference GELU z·Φ(z) so both use one erfc; Φ(0) = ½. */
    private static double normalCdf(double z) {
        return z == 0 ? 0.5 : ActivationMath.gelu(z) / z;
    }
}
