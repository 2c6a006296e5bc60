package io.grow4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
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
     * of x, which matters because matvec is bound by memory traffic, not arithmetic. A row left over from the groups
     * of four sums in a row of a group's order ({@link #oneRow}), so each row's result is the same bits however a
     * range is split into chunks (and so on any thread count).
     */
    static void rowDots(float[] w, int cols, float[] x, int xOff, float[] out, int outOff, int from, int to) {
        int r = from;
        for (; r + 4 <= to; r += 4) {
            fourRows(w, cols, x, xOff, out, outOff, r);
        }
        for (; r < to; r++) {
            out[outOff + r] = oneRow(w, r * cols, x, xOff, cols);
        }
    }

    /** One row as {@link #fourRows} sums each of its rows: one per-lane accumulator, its lane sum, then the tail. */
    private static float oneRow(float[] w, int first, float[] x, int xOff, int cols) {
        FloatVector s = FloatVector.zero(SPECIES);
        int c = 0;
        for (; c <= cols - LANES; c += LANES) {
            s = FloatVector.fromArray(SPECIES, w, first + c).fma(FloatVector.fromArray(SPECIES, x, xOff + c), s);
        }
        float sum = sumLanes(s);
        for (; c < cols; c++) {
            sum += w[first + c] * x[xOff + c];
        }
        return sum;
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
        sumLanes4(s0, s1, s2, s3, out, outOff + r);
        for (; c < cols; c++) {
            float xc = x[xOff + c];
            out[outOff + r] += w[w0 + c] * xc;
            out[outOff + r + 1] += w[w1 + c] * xc;
            out[outOff + r + 2] += w[w2 + c] * xc;
            out[outOff + r + 3] += w[w3 + c] * xc;
        }
    }

    /**
     * Groups of lanes a four-row reduction adds at each of its steps (see {@link #sumLanes4}): step s pairs lane j of
     * each group of width {@code WIDTHS[s]} with lane j + width / 2. Null below 4 lanes.
     */
    private static final int[] WIDTHS = LANES >= 4 && Integer.bitCount(LANES) == 1 ? widths() : null;
    /** For the two cross-vector steps: the indices (into two vectors, 0 .. 2·LANES) of each pair's two terms. */
    private static final FloatVector FIRST_1 = crossIndex(1, 0);
    private static final FloatVector SECOND_1 = crossIndex(1, 1);
    private static final FloatVector FIRST_2 = crossIndex(2, 0);
    private static final FloatVector SECOND_2 = crossIndex(2, 1);
    /** For the in-vector steps: each lane moved down by half its group's width. */
    private static final VectorShuffle<Float>[] DOWN = downShuffles();

    /**
     * out[at + i] ← {@link #sumLanes}(s_i) for the four vectors, bit for bit (the same pairs added in the same
     * order), in about a sixth of the instructions: the first two halving steps combine the rows' vectors two by two
     * with two-vector selections (one instruction each where the machine has them, AVX-512's vpermt2ps), so that the
     * later steps halve the four rows' partial sums together in one vector. Decoding a 768-column row spent a fifth
     * of its time in the four separate reductions.
     */
    static void sumLanes4(FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3, float[] out, int at) {
        if (WIDTHS == null) {
            out[at] = sumLanes(s0);
            out[at + 1] = sumLanes(s1);
            out[at + 2] = sumLanes(s2);
            out[at + 3] = sumLanes(s3);
            return;
        }
        // Step 1: rows 0, 1 (and 2, 3) share a vector, each in half the lanes; step 2: all four in one vector.
        FloatVector a = FIRST_1.selectFrom(s0, s1).add(SECOND_1.selectFrom(s0, s1));
        FloatVector b = FIRST_1.selectFrom(s2, s3).add(SECOND_1.selectFrom(s2, s3));
        FloatVector v = FIRST_2.selectFrom(a, b).add(SECOND_2.selectFrom(a, b));
        for (VectorShuffle<Float> down : DOWN) {
            v = v.add(v.rearrange(down));
        }
        int group = LANES / 4;
        out[at] = v.lane(0);
        out[at + 1] = v.lane(group);
        out[at + 2] = v.lane(2 * group);
        out[at + 3] = v.lane(3 * group);
    }

    /** Group widths before each halving step: LANES, LANES/2 (the cross-vector steps), then LANES/4 .. 2. */
    private static int[] widths() {
        int[] w = new int[Integer.numberOfTrailingZeros(LANES)];
        for (int s = 0; s < w.length; s++) {
            w[s] = LANES >> s;
        }
        return w;
    }

    /**
     * Cross-vector step {@code step} (1 or 2) combines two vectors of g = 2^(step-1) row groups of width w = LANES/g
     * into one of 2g groups of width w/2: output group q takes its group q mod g from the first vector (q &lt; g) or
     * the second, lane j from lane j ({@code term} 0) or j + w/2 (term 1) of that group.
     */
    private static FloatVector crossIndex(int step, int term) {
        if (WIDTHS == null) {
            return null;
        }
        int g = 1 << (step - 1);
        int w = LANES / g;
        float[] index = new float[LANES];
        for (int q = 0; q < 2 * g; q++) {
            for (int j = 0; j < w / 2; j++) {
                index[q * (w / 2) + j] = (q < g ? 0 : LANES) + (q % g) * w + j + term * (w / 2);
            }
        }
        return FloatVector.fromArray(SPECIES, index, 0);
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] downShuffles() {
        if (WIDTHS == null) {
            return new VectorShuffle[0];
        }
        VectorShuffle<Float>[] out = new VectorShuffle[WIDTHS.length - 2];
        for (int s = 2; s < WIDTHS.length; s++) {
            int half = WIDTHS[s] / 2;
            int[] index = new int[LANES];
            for (int i = 0; i < LANES; i++) {
                index[i] = i % WIDTHS[s] < half ? i + half : i;
            }
            out[s - 2] = VectorShuffle.fromArray(SPECIES, index, 0);
        }
        return out;
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
