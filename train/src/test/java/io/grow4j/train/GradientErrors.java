package io.grow4j.train;

import io.grow4j.model.Role;
import io.grow4j.model.TensorKey;

import java.util.Map;

/** How far one gradient is from another. */
final class GradientErrors {
    private GradientErrors() {
    }

    /**
     * max |got − want| / max |want| over a tensor: relative to the tensor's largest gradient, because entries whose
     * gradient is near zero (a token absent from the batch) have no meaningful relative error of their own.
     */
    static double relative(double[] want, double[] got) {
        return relative(want, got, 0);
    }

    /** As {@link #relative(double[], double[])}, against at least {@code floor} as the scale. */
    static double relative(double[] want, double[] got, double floor) {
        double worst = 0;
        double scale = floor;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        if (scale == 0) {
            return worst == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return worst / scale;
    }

    /**
     * The relative error of one tensor's gradient. The key bias's gradient is zero in exact arithmetic (it shifts
     * every score of a query by the same q·bk, which softmax ignores), so both sides are rounding noise: it is
     * measured against the model's largest gradient instead of its own.
     */
    static double relative(TensorKey key, double[] want, double[] got, Map<TensorKey, double[]> all) {
        double floor = 0;
        if (key.role() == Role.BK) {
            for (double[] g : all.values()) {
                for (double v : g) {
                    floor = Math.max(floor, Math.abs(v));
                }
            }
        }
        return relative(want, got, floor);
    }
}
