package io.grow4j.kernels.forward;

import java.util.SplittableRandom;

/** Chooses the next token from a position's logits. */
@FunctionalInterface
public interface Sampler {

    int next(double[] logits);

    /** Temperature 0: the most likely token. */
    static Sampler greedy() {
        return Sampler::argmax;
    }

    /**
     * Multinomial sampling from softmax(logits / temperature), reproducible from the seed. Temperature 0 is greedy.
     */
    static Sampler temperature(double temperature, long seed) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (temperature == 0) {
            return greedy();
        }
        SplittableRandom random = new SplittableRandom(seed);
        return logits -> multinomial(logits, temperature, random.nextDouble());
    }

    /** Index of the largest logit; ties go to the lowest index. */
    static int argmax(double[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The first index whose cumulative softmax probability exceeds u, for u uniform in [0, 1). */
    private static int multinomial(double[] logits, double temperature, double u) {
        double max = logits[argmax(logits)];
        double[] weights = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            weights[i] = Math.exp((logits[i] - max) / temperature);
            sum += weights[i];
        }
        double target = u * sum;
        double cumulative = 0;
        for (int i = 0; i < weights.length; i++) {
            cumulative += weights[i];
            if (cumulative > target) {
                return i;
            }
        }
        // Rounding can leave the total a hair below target; the last token with any weight is then the answer.
        for (int i = weights.length - 1; i > 0; i--) {
            if (weights[i] > 0) {
                return i;
            }
        }
        return 0;
    }
}
