package io.grow4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each scaling type against values worked out by hand from transformers' modeling_rope_utils.py: the regimes of each
 * rule (kept, divided, blended), the attention factors, and the two position-dependent switches.
 */
class RopeFrequenciesTest {
    private static double plain(double theta, int pair, int headSize) {
        return Math.pow(theta, -2.0 * pair / headSize);
    }

    @Test
    void plainRopeIsThetaToTheMinusTwoIOverD() {
        double[] inv = RopeFrequencies.plain(10000, 4).inverseFrequencies(5);
        assertArrayEquals(new double[] {1.0, 0.01}, inv, 1e-18);
        assertEquals(1.0, RopeFrequencies.plain(10000, 4).attentionFactor());
    }

    @Test
    void linearDividesEveryFrequency() {
        double[] inv = new RopeFrequencies(10000, new RopeScaling.Linear(4), 4, 64).inverseFrequencies(0);
        assertArrayEquals(new double[] {0.25, 0.0025}, inv, 1e-18);
    }

    /**
     * Llama 3.1's numbers (theta 500000, d 128, factor 8, low 1, high 4, original 8192): pair 0 (wavelength 2π, under
     * 8192/4) kept; pair 63 (wavelength about 2.6e6, over 8192) ÷ 8; the pairs between checked against the smooth
     * blend written out here.
     */
    @Test
    void llama3KeepsHighDividesLowAndBlendsBetween() {
        RopeScaling.Llama3 l = new RopeScaling.Llama3(8, 1, 4, 8192);
        double[] inv = new RopeFrequencies(500000, l, 128, 131072).inverseFrequencies(0);
        assertEquals(1.0, inv[0]);
        assertEquals(plain(500000, 63, 128) / 8, inv[63], 1e-22);
        int medium = -1;
        for (int i = 0; i < 64; i++) {
            double wavelength = 2 * Math.PI / plain(500000, i, 128);
            if (wavelength >= 8192 / 4.0 && wavelength <= 8192) {
                medium = i;
                double smooth = (8192 / wavelength - 1) / 3;
                double want = (1 - smooth) * plain(500000, i, 128) / 8 + smooth * plain(500000, i, 128);
                assertEquals(want, inv[i], 1e-15 * want, "pair " + i);
            }
        }
        assertTrue(medium > 0, "some pair lies in the medium band");
    }

    /** d = 16, theta 10000, original 2048: low = floor(2.02) = 2, high = ceil(5.03) = 6. */
    @Test
    void yarnRampsBetweenTheCorrectionDimsAndScalesCosAndSin() {
        RopeScaling.Yarn y = new RopeScaling.Yarn(4, 2048, null, null, null, null, null, null);
        double low = 16 * Math.log(2048 / (32 * 2 * Math.PI)) / (2 * Math.log(10000));
        double high = 16 * Math.log(2048 / (2 * Math.PI)) / (2 * Math.log(10000));
        assertArrayEquals(new double[] {2, 6}, y.correctionRange(16, 10000, 4096));
        assertEquals(2.02, low, 0.01);
        assertEquals(5.03, high, 0.01);
        RopeFrequencies f = new RopeFrequencies(10000, y, 16, 4096);
        double[] inv = f.inverseFrequencies(0);
        assertEquals(plain(10000, 0, 16), inv[0], 1e-18, "below low: original frequency");
        assertEquals(plain(10000, 7, 16) / 4, inv[7], 1e-18, "past high: interpolated");
        double ramp = (3 - Math.floor(low)) / (Math.ceil(high) - Math.floor(low));
        assertEquals(plain(10000, 3, 16) * (ramp / 4 + (1 - ramp)), inv[3], 1e-17);
        assertEquals(0.1 * Math.log(4) + 1, f.attentionFactor(), 1e-15);
        RopeScaling.Yarn deepseek = new RopeScaling.Yarn(40, 4096, null, null, null, 0.707, 0.707, null);
        assertEquals(1.0, deepseek.attention(), 1e-15, "equal mscale and mscale_all_dim cancel");
        assertEquals(1.3, new RopeScaling.Yarn(4, 2048, null, null, 1.3, 0.707, 0.5, null).attention());
    }

    @Test
    void longropeSwitchesFactorsPastTheOriginalContext() {
        RopeScaling.LongRope l = new RopeScaling.LongRope(List.of(1.0, 2.0), List.of(4.0, 8.0), 16, null, null);
        RopeFrequencies f = new RopeFrequencies(10000, l, 4, 128);
        assertArrayEquals(new double[] {1.0, 0.01 / 2}, f.inverseFrequencies(15), 1e-18, "sequence of 16: short");
        assertArrayEquals(new double[] {0.25, 0.01 / 8}, f.inverseFrequencies(16), 1e-18, "sequence of 17: long");
        assertEquals(Math.sqrt(1 + Math.log(8) / Math.log(16)), f.attentionFactor(), 1e-15, "factor 128 / 16");
        assertThrows(IllegalArgumentException.class, () -> new RopeFrequencies(10000, l, 8, 128));
    }

    @Test
    void dynamicChangesTheBaseOnlyPastTheMaximum() {
        RopeFrequencies f = new RopeFrequencies(10000, new RopeScaling.Dynamic(2), 4, 64);
        assertSame(f.inverseFrequencies(0), f.inverseFrequencies(63));
        double base = 10000 * Math.pow(2.0 * 100 / 64 - 1, 4.0 / 2);
        assertEquals(1.0 / Math.pow(base, 0.5), f.inverseFrequencies(99)[1], 1e-18);
    }

    @Test
    void divisorsDivideEachPair() {
        RopeScaling d = new RopeScaling.FrequencyDivisors(List.of(1.0, 5.0));
        assertArrayEquals(new double[] {1.0, 0.002}, new RopeFrequencies(10000, d, 4, 8).inverseFrequencies(3),
                1e-18);
        assertEquals(new RopeScaling.FrequencyDivisors(List.of(1.0, 1.0, 5.0, 1.0)), d.grownBy(2, 4, 8, 10000));
    }
}
