package io.grow4j.transforms;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The QK-norm growth rules of DESIGN 2.6, checked in float64 on the attention logit q̂·k̂ / sqrt(k) alone, before the
 * steps rely on them (QkNormKeyGrowth, HeadAddition, HiddenGrowth): each rule keeps the logit to rounding, and the
 * naive rule it replaces does not. Epsilon is large (0.05 on unit-scale vectors) so that every epsilon term shows.
 */
class QkNormRulesMathTest {
    private static final double EPS = 0.05;
    private final SplittableRandom random = new SplittableRandom(7);

    /** Zero-fill hidden growth scales epsilon by h/h'; q and k × sqrt(h/h') keep the QK-norm's output. */
    @Test
    void sharedEpsilonNeedsQueriesAndKeysRescaled() {
        double[] q = vector(8);
        double[] gain = gains(8);
        double m = 24.0 / 40.0; // h/h'
        double[] before = rms(q, gain, EPS);
        double exact = maxDiff(before, rms(scaled(q, Math.sqrt(m)), gain, EPS * m));
        double naive = maxDiff(before, rms(q, gain, EPS * m));
        assertTrue(exact <= 1e-15, "q × sqrt(h/h') off by " + exact);
        assertTrue(naive > 1e-3, "the naive rule should break here, off by only " + naive);
    }

    /** Head size k → r·k under per-head QK-norm: old k × sqrt(r), new k zero, new q = copies (c·O·q, c = sqrt(r−1)). */
    @Test
    void headSizeGrowthUnderQkNormKeepsTheLogit() {
        for (int r = 2; r <= 4; r++) {
            int k = 6;
            double[] q = vector(k);
            double[] kv = vector(k);
            double[] gq = gains(k);
            double[] gk = gains(k);
            double before = dot(rms(q, gq, EPS), rms(kv, gk, EPS)) / Math.sqrt(k);
            double[] q2 = new double[r * k];
            double[] k2 = new double[r * k];
            double[] gq2 = new double[r * k];
            double[] gk2 = new double[r * k];
            for (int d = 0; d < r * k; d++) {
                q2[d] = q[d % k];                                      // old dims in place, then r − 1 copies
                k2[d] = d < k ? Math.sqrt(r) * kv[d] : 0;
                gq2[d] = gq[d % k];
                gk2[d] = d < k ? gk[d] : 3.0;                          // new key gains arbitrary
            }
            double after = dot(rms(q2, gq2, EPS), rms(k2, gk2, EPS)) / Math.sqrt(r * k);
            assertTrue(Math.abs(after - before) <= 1e-14 * Math.abs(before) + 1e-15, "r " + r + ": " + after + " vs "
                    + before);
            double[] qNaive = new double[r * k];
            for (int d = 0; d < k; d++) {
                qNaive[d] = Math.sqrt(r) * q[d];                       // the paper's rule: Q × sqrt(r), zero new dims
            }
            double[] kZero = new double[r * k];
            System.arraycopy(kv, 0, kZero, 0, k);
            double naive = dot(rms(qNaive, gq2, EPS), rms(kZero, gk2, EPS)) / Math.sqrt(r * k);
            assertTrue(Math.abs(naive - before) > 1e-3, "r " + r + ": the naive rule should break, got " + naive);
        }
    }

    /** Heads n → n' under a whole-projection norm: new rows zero, old × sqrt(n'/n), old gains ÷ sqrt(n'/n). */
    @Test
    void headAdditionUnderWholeProjectionNormKeepsEveryHead() {
        int heads = 3;
        int added = 2;
        int k = 4;
        double s = (double) (heads + added) / heads;
        double[] q = vector(heads * k);
        double[] g = gains(heads * k);
        double[] before = rms(q, g, EPS);
        double[] q2 = new double[(heads + added) * k];
        double[] g2 = new double[q2.length];
        double[] qNaive = new double[q2.length];
        for (int i = 0; i < q2.length; i++) {
            q2[i] = i < q.length ? Math.sqrt(s) * q[i] : 0;
            g2[i] = i < q.length ? g[i] / Math.sqrt(s) : 2.0;
            qNaive[i] = i < q.length ? q[i] : random.nextDouble(-1, 1); // arbitrary new heads, as without QK-norm
        }
        double[] after = rms(q2, g2, EPS);
        double[] naive = rms(qNaive, withOldGains(g, q2.length), EPS);
        double exact = 0;
        double naiveDiff = 0;
        for (int i = 0; i < q.length; i++) {
            exact = Math.max(exact, Math.abs(after[i] - before[i]));
            naiveDiff = Math.max(naiveDiff, Math.abs(naive[i] - before[i]));
        }
        assertTrue(exact <= 1e-15, "whole-projection head rule off by " + exact);
        assertTrue(naiveDiff > 1e-3, "arbitrary new heads should break the norm, off by only " + naiveDiff);
    }

    private double[] withOldGains(double[] g, int length) {
        double[] out = new double[length];
        for (int i = 0; i < length; i++) {
            out[i] = i < g.length ? g[i] : 1.0;
        }
        return out;
    }

    private static double[] rms(double[] x, double[] gain, double eps) {
        double squares = 0;
        for (double v : x) {
            squares += v * v;
        }
        double inv = 1.0 / Math.sqrt(squares / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inv * gain[i];
        }
        return out;
    }

    private double[] vector(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextDouble(-1, 1);
        }
        return v;
    }

    private double[] gains(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextDouble(0.8, 1.2);
        }
        return v;
    }

    private static double[] scaled(double[] x, double s) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * s;
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double maxDiff(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
