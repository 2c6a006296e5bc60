package io.grow4j.kernels.forward;

import io.grow4j.kernels.ActivationMath;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The reference's norms and activations against values worked out by hand or from their definitions. */
class ReferenceMathTest {

    @Test
    void rmsnormDividesByTheRootMeanSquare() {
        double[] out = ReferenceMath.rmsnorm(new double[] {3, 4}, new double[] {1, 2}, 0);
        double rms = Math.sqrt(12.5);
        assertEquals(3 / rms, out[0], 1e-15);
        assertEquals(8 / rms, out[1], 1e-15);
    }

    @Test
    void layernormCentresScalesAndShifts() {
        double[] x = {1, 2, 3, 6};
        double[] out = ReferenceMath.layernorm(x, new double[] {1, 1, 2, 1}, new double[] {0, 0, 0.5, -1}, 1e-5);
        // mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5
        double inv = 1 / Math.sqrt(3.5 + 1e-5);
        assertEquals(-2 * inv, out[0], 1e-15);
        assertEquals(-1 * inv, out[1], 1e-15);
        assertEquals(0.5, out[2], 1e-15);
        assertEquals(3 * inv - 1, out[3], 1e-15);
    }

    @Test
    void activationsMatchTheirDefinitions() {
        // Φ(1) = 0.8413447460685429 (erf); gelu_new(1) from tanh(√(2/π)·1.044715).
        assertEquals(0.8413447460685429, ActivationMath.gelu(1), 1e-15);
        assertEquals(-0.15865525393145707, ActivationMath.gelu(-1), 1e-15);
        assertEquals(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715)), ActivationMath.geluTanh(1), 1e-15);
        assertEquals(1 / (1 + Math.exp(-2.0)) * 2, ActivationMath.silu(2), 1e-15);
        assertEquals(0.0, ActivationMath.relu(-3));
        // Far in the tail, erfc keeps relative accuracy: Φ(-12) ≈ 1.776e-33.
        assertEquals(-12 * 1.7764821120776e-33, ActivationMath.gelu(-12), 1e-44);
    }
}
