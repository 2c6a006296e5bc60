package io.grow4j.train;

/** How far one gradient is from another. */
final class GradientErrors {
    private GradientErrors() {
    }

    /**
     * max |got − want| / max |want| over a tensor: relative to the tensor's largest gradient, because entries whose
     * gradient is near zero (a token absent from the batch) have no meaningful relative error of their own.
     */
    static double relative(double[] want, double[] got) {
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        if (scale == 0) {
            return worst == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return worst / scale;
    }
}
