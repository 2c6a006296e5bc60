package io.grow4j.cli;

import java.io.PrintWriter;

/**
 * Accumulates the difference between two models' logits over many positions: largest absolute difference, largest
 * logit of the first model, and how often both pick the same greedy token. A NaN or infinite output is not a large
 * difference but a broken model: it is counted per model, with the first position that had one, and fails the
 * comparison by itself (the differences are taken over positions where both models are finite).
 */
final class LogitComparison {
    private double maxAbsDiff;
    private double maxAbsLogit;
    private long positions;
    private long sameArgmax;
    private final NonFinite[] nonFinite = {new NonFinite(), new NonFinite()};

    /** Positions where one model output a NaN or infinite value, and the first of them (flat index, -1: none). */
    private static final class NonFinite {
        long positions;
        long first = -1;
        double firstValue;
    }

    void add(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("the models' vocabularies differ: " + a.length + " vs " + b.length
                    + " logits");
        }
        boolean finite = recordNonFinite(0, a) & recordNonFinite(1, b);
        positions++;
        if (!finite) {
            return;
        }
        for (int i = 0; i < a.length; i++) {
            maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - b[i]));
            maxAbsLogit = Math.max(maxAbsLogit, Math.abs(a[i]));
        }
        if (argmax(a) == argmax(b)) {
            sameArgmax++;
        }
    }

    /** Whether every value of {@code x} is finite; counts the position for model {@code which} when not. */
    private boolean recordNonFinite(int which, double[] x) {
        for (double v : x) {
            if (!Double.isFinite(v)) {
                NonFinite n = nonFinite[which];
                if (n.first < 0) {
                    n.first = positions;
                    n.firstValue = v;
                }
                n.positions++;
                return false;
            }
        }
        return true;
    }

    void add(float[] a, float[] b) {
        double[] x = new double[a.length];
        double[] y = new double[b.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = a[i];
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = b[i];
        }
        add(x, y);
    }

    static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    double maxAbsDiff() {
        return maxAbsDiff;
    }

    double maxAbsLogit() {
        return maxAbsLogit;
    }

    double relativeDiff() {
        return maxAbsLogit == 0 ? maxAbsDiff : maxAbsDiff / maxAbsLogit;
    }

    long positions() {
        return positions;
    }

    long sameArgmax() {
        return sameArgmax;
    }

    /** Whether either model output a NaN or infinite value anywhere. */
    boolean nonFinite() {
        return nonFinite[0].positions > 0 || nonFinite[1].positions > 0;
    }

    boolean within(double tolerance) {
        return !nonFinite() && maxAbsDiff <= tolerance * maxAbsLogit;
    }

    /**
     * One line per model that output a non-finite value: which model, how many positions, and the first one as
     * sequence and position (positions were added sequence by sequence, {@code length} each).
     *
     * @param what "logits" or "hidden states"
     */
    void reportNonFinite(PrintWriter out, String what, int length, String nameA, String nameB) {
        String[] names = {nameA, nameB};
        for (int m = 0; m < 2; m++) {
            NonFinite n = nonFinite[m];
            if (n.positions > 0) {
                out.printf("non-finite    %s: %s %s at sequence %d, position %d (first of %d/%d positions)%n",
                        names[m], what, Double.isNaN(n.firstValue) ? "NaN" : "infinite", n.first / length,
                        n.first % length, n.positions, positions);
            }
        }
    }
}
