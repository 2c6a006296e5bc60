package io.grow4j.train;

import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** AdamW's update against the formulas written out by hand for single entries. */
class AdamWTest {
    private final TransformerConfig config = TinyModels.llama(13, 8, 1, 4, RopeLayout.HALF_SPLIT, true);

    @Test
    void twoStepsFollowTheBiasCorrectedDecoupledRule() {
        AdamW.Settings s = new AdamW.Settings(0.9, 0.99, 1e-8, 0.1, 0);
        AdamW adam = AdamW.fresh(s, config);
        Parameters w = Parameters.zeros(config);
        Parameters g = Parameters.zeros(config);
        w.get(Role.WQ, 0)[3] = 0.5f;
        w.get(Role.ATTENTION_NORM, 0)[1] = 1.0f;
        g.get(Role.WQ, 0)[3] = 0.2f;
        g.get(Role.ATTENTION_NORM, 0)[1] = -0.4f;
        adam.update(w, g, 0.01);
        // step 1: m̂ = g, v̂ = g², so the Adam part is lr·sign(g); decay only on the matrix
        assertEquals(0.5 - 0.01 * (0.2 / (0.2 + 1e-8) + 0.1 * 0.5), w.get(Role.WQ, 0)[3], 1e-7);
        assertEquals(1.0 + 0.01 * (0.4 / (0.4 + 1e-8)), w.get(Role.ATTENTION_NORM, 0)[1], 1e-7);
        double w1 = w.get(Role.WQ, 0)[3];
        g.get(Role.WQ, 0)[3] = -0.1f;
        adam.update(w, g, 0.02);
        double m = 0.9 * (0.1 * 0.2) + 0.1 * -0.1;
        double v = 0.99 * (0.01 * 0.04) + 0.01 * 0.01;
        double mHat = m / (1 - 0.81);
        double vHat = v / (1 - 0.99 * 0.99);
        assertEquals(w1 - 0.02 * (mHat / (Math.sqrt(vHat) + 1e-8) + 0.1 * w1), w.get(Role.WQ, 0)[3], 1e-6);
        assertEquals(2, adam.step());
    }

    @Test
    void clippingScalesTheWholeGradientToTheNorm() {
        AdamW.Settings s = new AdamW.Settings(0.9, 0.99, 1e-8, 0, 1.0);
        AdamW adam = AdamW.fresh(s, config);
        Parameters w = Parameters.zeros(config);
        Parameters g = Parameters.zeros(config);
        g.get(Role.WQ, 0)[0] = 3f;
        g.get(Role.WK, 0)[0] = 4f;
        assertEquals(5.0, adam.update(w, g, 0.01), 1e-12);
        // m = (1 − β₁)·g·(1/5): the clipped gradient, not the raw one
        assertEquals(0.1 * 3 / 5, adam.first().get(Role.WQ, 0)[0], 1e-7);
        assertEquals(0.01 * 16 / 25, adam.second().get(Role.WK, 0)[0], 1e-7);
    }

    @Test
    void scheduleWarmsUpLinearlyThenDecaysByCosine() {
        LearningRateSchedule schedule = new LearningRateSchedule(1e-3, 1e-4, 10, 110);
        assertEquals(1e-4, schedule.rate(0), 1e-15);
        assertEquals(1e-3, schedule.rate(9), 1e-15);
        assertEquals(1e-3, schedule.rate(10), 1e-15);
        assertEquals(1e-4 + 0.5 * 9e-4, schedule.rate(60), 1e-15);
        assertEquals(1e-4, schedule.rate(110), 1e-15);
        assertEquals(1e-4, schedule.rate(500), 1e-15);
    }
}
