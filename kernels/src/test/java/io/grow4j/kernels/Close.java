package io.grow4j.kernels;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Comparisons for kernel tests. Errors are relative to the largest reference magnitude of the whole output (a norm-
 * wise bound): an entry that cancels to near zero has no meaningful relative error of its own.
 */
public final class Close {
    private Close() {
    }

    public static void assertClose(float[] want, float[] got, int n, double relative, String what) {
        double scale = 0;
        for (int i = 0; i < n; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
        }
        for (int i = 0; i < n; i++) {
            double err = Math.abs((double) want[i] - got[i]);
            if (!(err <= relative * scale)) {
                fail(what + ": entry " + i + " is " + got[i] + ", reference " + want[i] + " (error " + err
                        + " > " + relative + " × max|reference| " + scale + ")");
            }
        }
    }

    /** Largest |a - b| over both arrays, which must have one length. */
    public static double maxAbsDiff(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    public static double maxAbs(double[] a) {
        double max = 0;
        for (double v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** Uniform in [-scale, scale). */
    public static float[] randomFloats(SplittableRandom random, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (scale * (2 * random.nextDouble() - 1));
        }
        return out;
    }
}
