package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;

/**
 * Exact GELU x · Φ(x) = x/2 · erfc(-x/√2). Aparapi has no erf, so erfc is Numerical Recipes' Chebyshev fit (relative
 * error below 1.2e-7 everywhere), which keeps relative accuracy where Φ is tiny, unlike 1 + erf.
 */
final class GeluKernel extends Kernel {
    float[] x;
    int n;

    @Override
    public void run() {
        int i = getGlobalId(0);
        if (i < n) {
            float v = x[i];
            x[i] = 0.5f * v * erfcApprox(-v * 0.70710678118654752f);
        }
    }

    private float erfcApprox(float z) {
        float a = abs(z);
        float t = 1f / (1f + 0.5f * a);
        float poly = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f
                + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
        float r = t * exp(-a * a + poly);
        return z >= 0f ? r : 2f - r;
    }
}
