package io.grow4j.cli;

/**
 * Lines up the hidden states of two encoders whose widths differ after hidden growth. A post-norm encoder (BERT) grows
 * its hidden size only by duplication (DESIGN 2.2): width m·h, dim j holding a copy of dim j mod h. So the narrower
 * state, tiled m times, must equal the wider one entry for entry, and every copy is compared.
 */
final class HiddenWidths {
    private HiddenWidths() {
    }

    /** {a, b} at a common width: the narrower one tiled to the wider one's width. */
    static double[][] align(double[] a, double[] b) {
        if (a.length == b.length) {
            return new double[][] {a, b};
        }
        int narrow = Math.min(a.length, b.length);
        int wide = Math.max(a.length, b.length);
        if (wide % narrow != 0) {
            throw new IllegalArgumentException("the models' hidden sizes differ (" + a.length + " vs " + b.length
                    + ") by a factor that is not an integer, so no dim of one corresponds to a dim of the other");
        }
        return a.length < b.length ? new double[][] {tile(a, wide), b} : new double[][] {a, tile(b, wide)};
    }

    private static double[] tile(double[] x, int width) {
        double[] out = new double[width];
        for (int j = 0; j < width; j++) {
            out[j] = x[j % x.length];
        }
        return out;
    }
}
