package io.grow4j.kernels.cpu;

/**
 * Exact (erf) GELU without commons-math's slow series: Φ(x) = erfc(-x/√2) / 2 with the Chebyshev fit of Numerical
 * Recipes (erfcc), whose relative error is below 1.2e-7 everywhere. Relative accuracy of erfc, not absolute
 * accuracy of erf, is what keeps x·Φ(x) accurate for very negative x, where Φ is tiny.
 */
final class FastGelu {
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);

    private FastGelu() {
    }

    static double gelu(double x) {
        return 0.5 * x * erfc(-x * INV_SQRT2);
    }

    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        double r = t * Math.exp(-z * z + poly);
        return x >= 0 ? r : 2.0 - r;
    }
}
