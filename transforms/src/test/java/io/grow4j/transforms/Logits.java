package io.grow4j.transforms;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.kernels.forward.EncoderForward;
import io.grow4j.kernels.forward.EncoderReference;
import io.grow4j.kernels.forward.ForwardPass;
import io.grow4j.kernels.forward.ReferenceForward;
import io.grow4j.model.Model;
import io.grow4j.model.TransformerConfig;

import java.util.SplittableRandom;

/**
 * Output comparisons between a model and its grown version, in double and in single precision: vocabulary logits for
 * decoders, hidden states (and the pooled output, when there is a pooler) for encoders. A grown encoder's hidden
 * width is m·h when its hidden size grew: post-norm hidden growth duplicates every dim (DESIGN 2.2), so grown dim i'
 * is compared with original dim i' mod h.
 */
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

    /** Segment ids for an encoder input: the first half segment 0, the rest segment 1 (when there are two). */
    static int[] tokenTypes(TransformerConfig config, int length) {
        int[] types = new int[length];
        for (int i = length / 2; i < length; i++) {
            types[i] = Math.min(1, Math.max(config.typeVocabSize() - 1, 0));
        }
        return types;
    }

    /** max |Δoutput| over every position, double-precision reference path. */
    static double maxDiffDouble(Model a, Model b, int[] tokens) {
        if (!a.config().architecture().languageModelHead()) {
            return maxDiffEncoderDouble(a, b, tokens);
        }
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

    /** {max |Δoutput|, max |output of a|} over every position, single-precision CPU path. */
    static double[] maxDiffFloat(Model a, Model b, int[] tokens) {
        if (!a.config().architecture().languageModelHead()) {
            return maxDiffEncoderFloat(a, b, tokens);
        }
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

    /** max |Δ| between a's hidden states (and pooled output) and b's, b's dim i' against a's dim i' mod h. */
    static double maxDiffEncoderDouble(Model a, Model b, int[] tokens) {
        int[] types = tokenTypes(a.config(), tokens.length);
        EncoderReference ea = new EncoderReference(a);
        EncoderReference eb = new EncoderReference(b);
        double[][] x = ea.hiddenStates(tokens, types);
        double[][] y = eb.hiddenStates(tokens, types);
        double max = tiledDiff(x, y)[0];
        if (a.config().pooler()) {
            max = Math.max(max, tiledDiff(new double[][] {ea.pooled(x)}, new double[][] {eb.pooled(y)})[0]);
        }
        return max;
    }

    /** {max |Δ|, max |a|} as {@link #maxDiffEncoderDouble}, on the single-precision CPU path. */
    static double[] maxDiffEncoderFloat(Model a, Model b, int[] tokens) {
        int[] types = tokenTypes(a.config(), tokens.length);
        EncoderForward ea = new EncoderForward(a, CPU);
        EncoderForward eb = new EncoderForward(b, CPU);
        float[][] x = ea.hiddenStates(tokens, types);
        float[][] y = eb.hiddenStates(tokens, types);
        double[] diff = tiledDiff(widen(x), widen(y));
        if (a.config().pooler()) {
            double[] pooled = tiledDiff(widen(new float[][] {ea.pooled(x)}), widen(new float[][] {eb.pooled(y)}));
            diff = new double[] {Math.max(diff[0], pooled[0]), Math.max(diff[1], pooled[1])};
        }
        return diff;
    }

    private static double[] tiledDiff(double[][] x, double[][] y) {
        double max = 0;
        double scale = 0;
        for (int t = 0; t < x.length; t++) {
            int h = x[t].length;
            if (y[t].length % h != 0) {
                throw new AssertionError("grown width " + y[t].length + " is no multiple of " + h);
            }
            for (int i = 0; i < y[t].length; i++) {
                max = Math.max(max, Math.abs(x[t][i % h] - y[t][i]));
                scale = Math.max(scale, Math.abs(x[t][i % h]));
            }
        }
        return new double[] {max, scale};
    }

    private static double[][] widen(float[][] x) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                out[t][i] = x[t][i];
            }
        }
        return out;
    }
}
