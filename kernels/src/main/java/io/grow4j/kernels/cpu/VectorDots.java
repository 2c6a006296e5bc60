package io.grow4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot products along contiguous rows with the Vector API. The lane count is chosen once, at class load, from the
 * machine's preferred width. Sums are float; several independent accumulators hide the FMA latency.
 */
public final class VectorDots {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();

    private VectorDots() {
    }

    /** Σ_i a[aOff + i] · b[bOff + i] for i &lt; n. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(SPECIES);
        FloatVector s1 = FloatVector.zero(SPECIES);
        FloatVector s2 = FloatVector.zero(SPECIES);
        FloatVector s3 = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i <= n - 4 * LANES; i += 4 * LANES) {
            s0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), s0);
            s1 = FloatVector.fromArray(SPECIES, a, aOff + i + LANES)
                    .fma(FloatVector.fromArray(SPECIES, b, bOff + i + LANES), s1);
            s2 = FloatVector.fromArray(SPECIES, a, aOff + i + 2 * LANES)
                    .fma(FloatVector.fromArray(SPECIES, b, bOff + i + 2 * LANES), s2);
            s3 = FloatVector.fromArray(SPECIES, a, aOff + i + 3 * LANES)
                    .fma(FloatVector.fromArray(SPECIES, b, bOff + i + 3 * LANES), s3);
        }
        for (; i <= n - LANES; i += LANES) {
            s0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), s0);
        }
        float sum = sumLanes(s0.add(s1).add(s2.add(s3)));
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /**
     * out[outOff + r] = row r of w (rows of length cols) · x[xOff ..] for r in [from, to). Four rows share each load
     * of x, which matters because matvec is bound by memory traffic, not arithmetic.
     */
    static void rowDots(float[] w, int cols, float[] x, int xOff, float[] out, int outOff, int from, int to) {
        int r = from;
        for (; r + 4 <= to; r += 4) {
            fourRows(w, cols, x, xOff, out, outOff, r);
        }
        for (; r < to; r++) {
            out[outOff + r] = dot(w, r * cols, x, xOff, cols);
        }
    }

    private static void fourRows(float[] w, int cols, float[] x, int xOff, float[] out, int outOff, int r) {
        int w0 = r * cols;
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        FloatVector s0 = FloatVector.zero(SPECIES);
        FloatVector s1 = FloatVector.zero(SPECIES);
        FloatVector s2 = FloatVector.zero(SPECIES);
        FloatVector s3 = FloatVector.zero(SPECIES);
        int c = 0;
        for (; c <= cols - LANES; c += LANES) {
            FloatVector xv = FloatVector.fromArray(SPECIES, x, xOff + c);
            s0 = FloatVector.fromArray(SPECIES, w, w0 + c).fma(xv, s0);
            s1 = FloatVector.fromArray(SPECIES, w, w1 + c).fma(xv, s1);
            s2 = FloatVector.fromArray(SPECIES, w, w2 + c).fma(xv, s2);
            s3 = FloatVector.fromArray(SPECIES, w, w3 + c).fma(xv, s3);
        }
        float t0 = sumLanes(s0);
        float t1 = sumLanes(s1);
        float t2 = sumLanes(s2);
        float t3 = sumLanes(s3);
        for (; c < cols; c++) {
            float xc = x[xOff + c];
            t0 += w[w0 + c] * xc;
            t1 += w[w1 + c] * xc;
            t2 += w[w2 + c] * xc;
            t3 += w[w3 + c] * xc;
        }
        out[outOff + r] = t0;
        out[outOff + r + 1] = t1;
        out[outOff + r + 2] = t2;
        out[outOff + r + 3] = t3;
    }

    /**
     * The sum of a vector's lanes in one fixed order (lane i added to lane i + LANES/2, then the halves of those,
     * ...). reduceLanes(ADD) on floats leaves the order to the implementation: the interpreter and the JIT's intrinsic
     * round differently, so the same model gave different logits early and late in a run. The common widths add
     * extracted lanes in that order (a row's reduction in a fraction of the time of vector slices, which dominated
     * decoding rows of 768 columns); other widths halve by slices, the same sums.
     */
    static float sumLanes(FloatVector v) {
        return switch (LANES) {
            case 16 -> sum8(v.lane(0) + v.lane(8), v.lane(1) + v.lane(9), v.lane(2) + v.lane(10),
                    v.lane(3) + v.lane(11), v.lane(4) + v.lane(12), v.lane(5) + v.lane(13), v.lane(6) + v.lane(14),
                    v.lane(7) + v.lane(15));
            case 8 -> sum8(v.lane(0), v.lane(1), v.lane(2), v.lane(3), v.lane(4), v.lane(5), v.lane(6), v.lane(7));
            default -> sliceSum(v);
        };
    }

    private static float sum8(float a0, float a1, float a2, float a3, float a4, float a5, float a6, float a7) {
        float b0 = a0 + a4;
        float b1 = a1 + a5;
        float b2 = a2 + a6;
        float b3 = a3 + a7;
        return (b0 + b2) + (b1 + b3);
    }

    /** The halving order of {@link #sumLanes} by vector slices, for any width. */
    static float sliceSum(FloatVector v) {
        for (int half = LANES / 2; half >= 1; half /= 2) {
            v = v.add(v.slice(half));
        }
        return v.lane(0);
    }

    /** y[yOff + i] += alpha · x[xOff + i] for i &lt; n. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector av = FloatVector.broadcast(SPECIES, alpha);
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector yv = FloatVector.fromArray(SPECIES, y, yOff + i);
            FloatVector.fromArray(SPECIES, x, xOff + i).fma(av, yv).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }
}
