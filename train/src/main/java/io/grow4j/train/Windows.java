package io.grow4j.train;

import java.util.SplittableRandom;

/**
 * A batch of random windows of a token stream: inputs [batch][context] and the next tokens as targets. Window starts
 * are uniform over the stream and drawn from the given generator, so a seed fixes every batch.
 */
public record Windows(int[][] inputs, int[][] targets) {
    public static Windows sample(int[] stream, int batch, int context, SplittableRandom random) {
        if (stream.length <= context) {
            throw new IllegalArgumentException("token stream of " + stream.length + " is too short for windows of "
                    + (context + 1));
        }
        int[][] inputs = new int[batch][context];
        int[][] targets = new int[batch][context];
        for (int b = 0; b < batch; b++) {
            int start = random.nextInt(stream.length - context);
            System.arraycopy(stream, start, inputs[b], 0, context);
            System.arraycopy(stream, start + 1, targets[b], 0, context);
        }
        return new Windows(inputs, targets);
    }

    public int tokens() {
        return inputs.length * inputs[0].length;
    }
}
