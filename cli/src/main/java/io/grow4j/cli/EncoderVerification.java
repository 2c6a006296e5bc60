package io.grow4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.SplittableRandom;

/**
 * verify for encoders: seeded random token sequences (token types zero), each run whole through both models, hidden
 * states compared position by position (across a hidden growth, each copy of a dim with the original dim:
 * {@link HiddenWidths}). There is no vocabulary to take an argmax over, so the report has no greedy
 * line; the bound is the same, relative to the largest output.
 */
final class EncoderVerification {
    private final long seed;
    private final int sequences;
    private final int length;

    EncoderVerification(long seed, int sequences, int length) {
        this.seed = seed;
        this.sequences = sequences;
        this.length = length;
    }

    LogitComparison compare(EncoderEngine x, EncoderEngine y, int vocabSize) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        LogitComparison comparison = new LogitComparison();
        int[] types = new int[length];
        for (int s = 0; s < sequences; s++) {
            int[] tokens = random.ints(length, 0, vocabSize).toArray();
            double[][] a = x.hiddenStates(tokens, types);
            double[][] b = y.hiddenStates(tokens, types);
            for (int t = 0; t < length; t++) {
                double[][] aligned = HiddenWidths.align(a[t], b[t]);
                comparison.add(aligned[0], aligned[1]);
            }
        }
        return comparison;
    }

    /** @param nameA and {@code nameB}: how the two models are named in a non-finite failure */
    void report(PrintWriter out, LogitComparison c, String runOn, double tolerance, boolean pass, String nameA,
            String nameB) {
        out.printf("compared      %d sequences × %d tokens on %s%n", sequences, length, runOn);
        if (c.nonFinite()) {
            c.reportNonFinite(out, "hidden states", length, nameA, nameB);
            out.println("FAIL: non-finite hidden states");
            out.flush();
            return;
        }
        out.printf("max |Δhidden| %.6e%n", c.maxAbsDiff());
        out.printf("max |hidden|  %.6e%n", c.maxAbsLogit());
        out.printf("relative      %.6e (tolerance %.1e)%n", c.relativeDiff(), tolerance);
        out.println(pass ? "PASS" : "FAIL");
        out.flush();
    }
}
