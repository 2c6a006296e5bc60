package io.grow4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.SplittableRandom;

/**
 * verify for encoders: seeded random token sequences (token types zero), run whole through both models a batch of
 * sequences at a time (our float pass reads each weight once per batch), hidden
 * states compared position by position (across a hidden growth, each copy of a dim with the original dim:
 * {@link HiddenWidths}). There is no vocabulary to take an argmax over, so the report has no greedy
 * line; the bound is the same, relative to the largest output.
 */
final class EncoderVerification {
    private final long seed;
    private final int sequences;
    private final int length;
    private final int batch;

    EncoderVerification(long seed, int sequences, int length, int batch) {
        this.seed = seed;
        this.sequences = sequences;
        this.length = length;
        this.batch = batch;
    }

    LogitComparison compare(EncoderEngine x, EncoderEngine y, int vocabSize) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        LogitComparison comparison = new LogitComparison();
        for (int from = 0; from < sequences; from += batch) {
            int size = Math.min(sequences, from + batch) - from;
            // drawn in sequence order, so the tokens do not depend on the batch size
            int[][] tokens = new int[size][];
            for (int s = 0; s < size; s++) {
                tokens[s] = random.ints(length, 0, vocabSize).toArray();
            }
            int[][] types = new int[size][length];
            double[][][] a = x.hiddenStates(tokens, types);
            double[][][] b = y.hiddenStates(tokens, types);
            for (int s = 0; s < size; s++) {
                for (int t = 0; t < length; t++) {
                    double[][] aligned = HiddenWidths.align(a[s][t], b[s][t]);
                    comparison.add(aligned[0], aligned[1]);
                }
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
