package io.grow4j.cli;

/**
 * Accumulates the difference between two models' logits over many positions: largest absolute difference, largest
 * logit of the first model, and how often both pick the same greedy token.
 */
final class LogitComparison {
    private double maxAbsDiff;
    private double maxAbsLogit;
    private long positions;
    private long sameArgmax;

    void add(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("the models' vocabularies differ: " + a.length + " vs " + b.length
                    + " logits");
        }
        for (int i = 0; i < a.length; i++) {
            maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - b[i]));
            maxAbsLogit = Math.max(maxAbsLogit, Math.abs(a[i]));
        }
        positions++;
        if (argmax(a) == argmax(b)) {
            sameArgmax++;
        }
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

    boolean within(double tolerance) {
        return maxAbsDiff <= tolerance * maxAbsLogit;
    }
}
