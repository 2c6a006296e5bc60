package io.grow4j.cli;

/** Lines up the hidden states of two encoders whose widths may differ after hidden growth. */
final class HiddenWidths {
    private HiddenWidths() {
    }

    /** {@code b} as comparable with {@code a}, entry for entry. */
    static double[] align(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("the models' hidden sizes differ: " + a.length + " vs " + b.length);
        }
        return b;
    }
}
