package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.ScalarKernels;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.RopeLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RoPE in the double reference and in every backend: the explicit rotation of each layout, norm preservation, and
 * the property that makes it a relative encoding, q(m)·k(n) depending on m - n only.
 */
class RopeTest {
    private static final CpuKernels CPU = new CpuKernels(2);
    private static final KernelBackend[] BACKENDS = {CPU, new ScalarKernels()};
    private static final int HEADS = 3;
    private static final int HEAD_SIZE = 16;
    private static final double THETA = 10000;
    private final SplittableRandom random = new SplittableRandom(7);

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** Head size 4 at position 1: pair 0 turns by 1 rad, pair 1 by 10000^(-1/2) = 0.01 rad. */
    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void rotatesTheLayoutsPairsByTheirAngles(RopeLayout layout) {
        double[] x = {1, 2, 3, 4};
        double[] got = x.clone();
        ReferenceMath.rope(got, 1, 4, 1, THETA, layout);
        // INTERLEAVED pairs are (0,1), (2,3); HALF_SPLIT pairs are (0,2), (1,3).
        int[][] pairs = layout == RopeLayout.INTERLEAVED ? new int[][] {{0, 1}, {2, 3}} : new int[][] {{0, 2}, {1, 3}};
        double[] angles = {1.0, 0.01};
        double[] want = new double[4];
        for (int p = 0; p < 2; p++) {
            double x0 = x[pairs[p][0]];
            double x1 = x[pairs[p][1]];
            want[pairs[p][0]] = x0 * Math.cos(angles[p]) - x1 * Math.sin(angles[p]);
            want[pairs[p][1]] = x0 * Math.sin(angles[p]) + x1 * Math.cos(angles[p]);
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(want[i], got[i], 1e-15, "dim " + i);
        }
        for (KernelBackend backend : BACKENDS) {
            float[] f = {1, 2, 3, 4};
            backend.rope(f, 1, 4, 1, THETA, layout);
            for (int i = 0; i < 4; i++) {
                assertEquals(want[i], f[i], 1e-6, backend.name() + " dim " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void preservesEachHeadsNorm(RopeLayout layout) {
        for (int position : new int[] {0, 1, 17, 1000, 100000}) {
            double[] x = randomVector();
            double[] rotated = x.clone();
            ReferenceMath.rope(rotated, HEADS, HEAD_SIZE, position, THETA, layout);
            for (int h = 0; h < HEADS; h++) {
                assertEquals(headDot(x, x, h), headDot(rotated, rotated, h), 1e-12, "reference head " + h);
            }
            for (KernelBackend backend : BACKENDS) {
                float[] f = toFloat(x);
                backend.rope(f, HEADS, HEAD_SIZE, position, THETA, layout);
                double[] back = toDouble(f);
                for (int h = 0; h < HEADS; h++) {
                    double n = headDot(x, x, h);
                    assertEquals(n, headDot(back, back, h), 1e-5 * n, backend.name() + " head " + h);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void scoresDependOnRelativePositionOnly(RopeLayout layout) {
        double[] q = randomVector();
        double[] k = randomVector();
        int[][] pairs = {{0, 0}, {5, 2}, {2, 5}, {40, 3}, {300, 299}};
        for (int[] mn : pairs) {
            for (int shift : new int[] {1, 7, 1000}) {
                for (int h = 0; h < HEADS; h++) {
                    double base = referenceScore(q, k, mn[0], mn[1], h, layout);
                    double shifted = referenceScore(q, k, mn[0] + shift, mn[1] + shift, h, layout);
                    assertEquals(base, shifted, 1e-12, "reference m=" + mn[0] + " n=" + mn[1] + " shift " + shift);
                    for (KernelBackend backend : BACKENDS) {
                        double scale = Math.sqrt(headDot(q, q, h) * headDot(k, k, h));
                        double got = backendScore(backend, q, k, mn[0] + shift, mn[1] + shift, h, layout);
                        assertEquals(base, got, 1e-5 * scale, backend.name() + " m=" + mn[0] + " n=" + mn[1]);
                    }
                }
            }
        }
    }

    private static double referenceScore(double[] q, double[] k, int m, int n, int h, RopeLayout layout) {
        double[] qr = q.clone();
        double[] kr = k.clone();
        ReferenceMath.rope(qr, HEADS, HEAD_SIZE, m, THETA, layout);
        ReferenceMath.rope(kr, HEADS, HEAD_SIZE, n, THETA, layout);
        return headDot(qr, kr, h);
    }

    private static double backendScore(KernelBackend backend, double[] q, double[] k, int m, int n, int h,
                                       RopeLayout layout) {
        float[] qr = toFloat(q);
        float[] kr = toFloat(k);
        backend.rope(qr, HEADS, HEAD_SIZE, m, THETA, layout);
        backend.rope(kr, HEADS, HEAD_SIZE, n, THETA, layout);
        return headDot(toDouble(qr), toDouble(kr), h);
    }

    private static double headDot(double[] a, double[] b, int h) {
        double s = 0;
        for (int i = h * HEAD_SIZE; i < (h + 1) * HEAD_SIZE; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private double[] randomVector() {
        double[] x = new double[HEADS * HEAD_SIZE];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * random.nextDouble() - 1); // float-representable, so both paths start equal
        }
        return x;
    }

    private static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    private static double[] toDouble(float[] f) {
        double[] x = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            x[i] = f[i];
        }
        return x;
    }
}
