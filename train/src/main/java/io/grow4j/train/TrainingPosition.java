package io.grow4j.train;

/**
 * Where a run stands between two steps: {@code step} steps done, which is also the learning-rate schedule's position
 * and the data position (step s trains on the windows drawn from the seed and s alone, {@link Trainer}), and the
 * tokens and model FLOPs counted so far. Saved with a checkpoint so a resumed run continues the same log.
 */
public record TrainingPosition(int step, long tokens, double flops) {
    public static final TrainingPosition START = new TrainingPosition(0, 0, 0);

    public TrainingPosition {
        if (step < 0 || tokens < 0 || !(flops >= 0)) {
            throw new IllegalArgumentException("training position needs step, tokens and FLOPs >= 0, got step " + step
                    + ", tokens " + tokens + ", FLOPs " + flops);
        }
    }
}
