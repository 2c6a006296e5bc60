package io.grow4j.train;

import java.util.ArrayList;
import java.util.List;

/**
 * One training run's settings. {@code evalEvery}: validation loss every that many steps (and after the last);
 * {@code evalBatches}: fixed validation batches of {@code batch} windows each, drawn once from the seed.
 */
public record TrainingSettings(int steps, int batch, int context, LearningRateSchedule schedule,
                               AdamW.Settings optimizer, long seed, int evalEvery, int evalBatches) {
    public TrainingSettings {
        List<String> problems = new ArrayList<>();
        if (steps <= 0) {
            problems.add("steps must be positive, got " + steps);
        }
        if (batch <= 0) {
            problems.add("batch must be positive, got " + batch);
        }
        if (context <= 0) {
            problems.add("context must be positive, got " + context);
        }
        if (evalEvery <= 0 || evalBatches <= 0) {
            problems.add("evalEvery and evalBatches must be positive, got " + evalEvery + " and " + evalBatches);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }
}
