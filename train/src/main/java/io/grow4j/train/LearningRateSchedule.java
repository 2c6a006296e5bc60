package io.grow4j.train;

/**
 * Linear warm-up from peak/warmup to peak over {@code warmupSteps} steps, then cosine decay from peak to
 * {@code minimum} at {@code totalSteps} (Loshchilov &amp; Hutter's SGDR without restarts, as in GPT-3 and Llama).
 * Steps count from 0; past the end the rate stays at the minimum.
 */
public record LearningRateSchedule(double peak, double minimum, int warmupSteps, int totalSteps) {
    public LearningRateSchedule {
        if (!(peak > 0) || !(minimum >= 0) || minimum > peak) {
            throw new IllegalArgumentException("learning rates need 0 <= minimum <= peak and peak > 0, got peak "
                    + peak + ", minimum " + minimum);
        }
        if (warmupSteps < 0 || totalSteps <= 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("need 0 <= warm-up steps <= total steps, total > 0; got warm-up "
                    + warmupSteps + ", total " + totalSteps);
        }
    }

    public double rate(int step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        int decaySteps = totalSteps - warmupSteps;
        double progress = decaySteps == 0 ? 1 : Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        return minimum + 0.5 * (peak - minimum) * (1 + Math.cos(Math.PI * progress));
    }
}
