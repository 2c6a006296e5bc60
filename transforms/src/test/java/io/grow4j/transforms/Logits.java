package io.grow4j.transforms;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.kernels.forward.ForwardPass;
import io.grow4j.kernels.forward.ReferenceForward;
import io.grow4j.model.Model;

import java.util.SplittableRandom;

/** Logit comparisons between a model and its grown version, in double and in single precision. */
final class Logits {
    private static final CpuKernels CPU = new CpuKernels();

    private Logits() {
    }

    static int[] randomTokens(int vocab, int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = r.nextInt(vocab);
        }
        return tokens;
    }

    /** max |Δlogit| over every position, double-precision reference path. */
    static double maxDiffDouble(Model a, Model b, int[] tokens) {
        double[][] x = new ReferenceForward(a).logits(tokens);
        double[][] y = new ReferenceForward(b).logits(tokens);
        double max = 0;
        for (int t = 0; t < x.length; t++) {
            for (int i = 0; i < x[t].length; i++) {
                max = Math.max(max, Math.abs(x[t][i] - y[t][i]));
            }
        }
        return max;
    }

    /** {max |Δlogit|, max |logit of a|} over every position, single-precision CPU path. */
    static double[] maxDiffFloat(Model a, Model b, int[] tokens) {
        float[][] x = new ForwardPass(a, CPU).logits(tokens);
        float[][] y = new ForwardPass(b, CPU).logits(tokens);
        double max = 0;
        double scale = 0;
        for (int t = 0; t < x.length; t++) {
            for (int i = 0; i < x[t].length; i++) {
                max = Math.max(max, Math.abs((double) x[t][i] - y[t][i]));
                scale = Math.max(scale, Math.abs(x[t][i]));
            }
        }
        return new double[] {max, scale};
    }
}
