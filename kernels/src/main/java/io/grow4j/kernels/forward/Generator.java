package io.grow4j.kernels.forward;

import java.util.Arrays;

/**
 * Decoding from BOS as llama2.c's run.c does: feed a token, choose the next from its logits, report it, feed it.
 * Like run.c, generation stops early when the model produces BOS, which delimits sequences in its training data.
 */
public final class Generator {
    /** llama2.c's beginning-of-sequence token id. */
    public static final int BOS = 1;

    private Generator() {
    }

    /** Up to {@code steps} ids by argmax (temperature 0), ties to the lowest id. */
    public static int[] greedy(DecodingSession session, int steps) {
        return generate(session, steps, Sampler.greedy());
    }

    /** Up to {@code steps} ids sampled at {@code temperature} (0 is greedy), reproducible from the seed. */
    public static int[] sample(DecodingSession session, int steps, double temperature, long seed) {
        return generate(session, steps, Sampler.temperature(temperature, seed));
    }

    /**
     * Feeds BOS to a fresh session, then each chosen token, and returns the chosen ids: the first is chosen from the
     * logits after BOS. Stops after {@code steps} ids or before a chosen BOS.
     */
    public static int[] generate(DecodingSession session, int steps, Sampler sampler) {
        if (session.position() != 0) {
            throw new IllegalArgumentException("generation needs a fresh session, this one is at position "
                    + session.position());
        }
        if (steps < 0 || steps > session.maxSeqLen()) {
            throw new IllegalArgumentException("steps must be in [0, maxSeqLen " + session.maxSeqLen() + "], got "
                    + steps);
        }
        int[] out = new int[steps];
        int token = BOS;
        for (int i = 0; i < steps; i++) {
            int next = sampler.next(session.nextLogits(token));
            if (next == BOS) {
                return Arrays.copyOf(out, i);
            }
            out[i] = next;
            token = next;
        }
        return out;
    }
}
