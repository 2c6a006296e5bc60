package io.grow4j.train;

import io.grow4j.model.TensorKey;

import java.util.Map;
import java.util.stream.IntStream;

/**
 * AdamW (Loshchilov &amp; Hutter 2019, Algorithm 2) on float32 master weights, with global gradient-norm clipping
 * first (Pascanu et al. 2013):
 *
 * <pre>
 *   g ← g · min(1, clip / ‖g‖₂)        over all tensors together
 *   m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²
 *   w ← w − lr · ( m/(1−β₁ᵗ) / (√(v/(1−β₂ᵗ)) + ε) + λ·w )
 * </pre>
 *
 * Weight decay λ applies to matrices (rank ≥ 2: projections, embeddings, head) and not to norm gains, the usual
 * split (GPT-2, nanoGPT), since decaying a gain toward zero changes the function's scale, not its complexity.
 */
public final class AdamW {
    /** Hyper-parameters; clipNorm ≤ 0 or infinite turns clipping off. */
    public record Settings(double beta1, double beta2, double epsilon, double weightDecay, double clipNorm) {
        public static Settings defaults() {
            return new Settings(0.9, 0.95, 1e-8, 0.1, 1.0);
        }
    }

    private final Settings settings;
    private final Parameters first;
    private final Parameters second;
    private int step;

    /** State of {@code step} updates taken, with moments of one config (the arrays are used, not copied). */
    public AdamW(Settings settings, Parameters first, Parameters second, int step) {
        if (!first.config().equals(second.config())) {
            throw new IllegalArgumentException("first and second moments are of different configs");
        }
        this.settings = settings;
        this.first = first;
        this.second = second;
        this.step = step;
    }

    /** Fresh state: zero moments, step 0. */
    public static AdamW fresh(Settings settings, io.grow4j.model.TransformerConfig config) {
        return new AdamW(settings, Parameters.zeros(config), Parameters.zeros(config), 0);
    }

    public Settings settings() {
        return settings;
    }

    /** First moments m, per tensor (live arrays). */
    public Parameters first() {
        return first;
    }

    /** Second moments v, per tensor (live arrays). */
    public Parameters second() {
        return second;
    }

    /** Updates taken so far: the t of the bias corrections is step + 1 during the next update. */
    public int step() {
        return step;
    }

    /** One update of {@code params} from {@code grads} at learning rate lr; returns ‖g‖₂ before clipping. */
    public double update(Parameters params, Parameters grads, double lr) {
        double norm = globalNorm(grads);
        double clip = settings.clipNorm() > 0 && norm > settings.clipNorm() ? settings.clipNorm() / norm : 1.0;
        step++;
        double correction1 = 1 - Math.pow(settings.beta1(), step);
        double correction2 = 1 - Math.pow(settings.beta2(), step);
        for (Map.Entry<TensorKey, float[]> e : params.arrays().entrySet()) {
            TensorKey key = e.getKey();
            double decay = key.role().axes().size() >= 2 ? settings.weightDecay() : 0;
            updateTensor(e.getValue(), grads.get(key), first.get(key), second.get(key), (float) clip, lr, decay,
                    correction1, correction2);
        }
        return norm;
    }

    private void updateTensor(float[] w, float[] g, float[] m, float[] v, float clip, double lr, double decay,
                              double correction1, double correction2) {
        float b1 = (float) settings.beta1();
        float b2 = (float) settings.beta2();
        float rate = (float) lr;
        float lambda = (float) decay;
        float c1 = (float) (1 / correction1);
        float c2 = (float) (1 / correction2);
        float eps = (float) settings.epsilon();
        IntStream.range(0, w.length).parallel().forEach(i -> {
            float gi = g[i] * clip;
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            float mHat = m[i] * c1;
            float vHat = v[i] * c2;
            w[i] -= rate * (mHat / ((float) Math.sqrt(vHat) + eps) + lambda * w[i]);
        });
    }

    /** ‖g‖₂ over every tensor, summed in double in key order so it is the same on every run. */
    static double globalNorm(Parameters grads) {
        double squares = 0;
        for (float[] g : grads.arrays().values()) {
            double sum = 0;
            for (float x : g) {
                sum += (double) x * x;
            }
            squares += sum;
        }
        return Math.sqrt(squares);
    }
}
