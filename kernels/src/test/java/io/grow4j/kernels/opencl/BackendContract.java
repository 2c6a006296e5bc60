package io.grow4j.kernels.opencl;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.ScalarKernels;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.grow4j.kernels.Close.assertClose;
import static io.grow4j.kernels.Close.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every forward-pass kernel of a device backend against {@link ScalarKernels}, relative error ≤ 1e-5 of the largest
 * reference magnitude, on sizes around the work-group sizes and tiles (1, primes, one less and one more than a group).
 */
public abstract class BackendContract {
    private static final double TOLERANCE = 1e-5;
    private static final int[] LENGTHS = {1, 3, 63, 64, 65, 255, 257, 1000, 5003};
    private static final KernelBackend SCALAR = new ScalarKernels();

    private final SplittableRandom random = new SplittableRandom(7);

    protected abstract KernelBackend backend();

    @Test
    void matvec() {
        int[][] shapes = {{1, 1}, {1, 17}, {5, 1}, {3, 7}, {7, 33}, {13, 100}, {64, 64}, {257, 129}, {1000, 513},
                {300, 4099}};
        for (int[] s : shapes) {
            float[] w = randomFloats(random, s[0] * s[1], 1);
            // Same weights, fresh activations: resident weights must not freeze the activations.
            for (int call = 0; call < 2; call++) {
                float[] x = randomFloats(random, s[1], 1);
                float[] want = new float[s[0]];
                float[] got = new float[s[0]];
                SCALAR.matvec(w, x, want, s[0], s[1]);
                backend().matvec(w, x, got, s[0], s[1]);
                assertClose(want, got, s[0], TOLERANCE, "matvec " + s[0] + "x" + s[1] + " call " + call);
            }
        }
    }

    @Test
    void matmul() {
        for (int m : new int[] {1, 5, 33, 70}) {
            for (int n : new int[] {1, 3, 31, 65}) {
                for (int k : new int[] {1, 17, 33, 100}) {
                    checkMatmul(m, n, k);
                }
            }
        }
        checkMatmul(129, 257, 300);
    }

    private void checkMatmul(int m, int n, int k) {
        float[] b = randomFloats(random, n * k, 1);
        for (int call = 0; call < 2; call++) {
            float[] a = randomFloats(random, m * k, 1);
            float[] want = new float[m * n];
            float[] got = new float[m * n];
            Arrays.fill(got, Float.NaN);
            SCALAR.matmul(a, b, want, m, n, k);
            backend().matmul(a, b, got, m, n, k);
            assertClose(want, got, m * n, TOLERANCE, "matmul m=" + m + " n=" + n + " k=" + k + " call " + call);
        }
    }

    @Test
    void rmsnorm() {
        for (int n : LENGTHS) {
            float[] x = randomFloats(random, n, 3);
            float[] gain = randomFloats(random, n, 2);
            float[] want = new float[n];
            float[] got = new float[n];
            SCALAR.rmsnorm(want, x, gain, 1e-5f, n);
            backend().rmsnorm(got, x, gain, 1e-5f, n);
            assertClose(want, got, n, TOLERANCE, "rmsnorm n=" + n);
        }
    }

    @Test
    void rope() {
        for (RopeLayout layout : RopeLayout.values()) {
            for (int heads : new int[] {1, 3}) {
                for (int headSize : new int[] {2, 6, 64, 128}) {
                    for (int position : new int[] {0, 1, 17, 4000}) {
                        for (double theta : new double[] {10000, 500000}) {
                            float[] vec = randomFloats(random, heads * headSize, 1);
                            float[] want = vec.clone();
                            SCALAR.rope(want, heads, headSize, position, theta, layout);
                            backend().rope(vec, heads, headSize, position, theta, layout);
                            assertClose(want, vec, vec.length, TOLERANCE, "rope " + layout + " heads=" + heads
                                    + " headSize=" + headSize + " position=" + position + " theta=" + theta);
                        }
                    }
                }
            }
        }
    }

    /**
     * Scaled RoPE: per-pair frequencies and the attention factor (yarn's 0.1·ln 4 + 1, longrope's on both sides of
     * its original context). A rotation keeps each pair's length, so the scalar result must have every pair's length
     * times the attention factor, and the backend must match it.
     */
    @Test
    void ropeWithScaling() {
        List<RopeScaling> scalings = List.of(new RopeScaling.Llama3(8, 1, 4, 16),
                new RopeScaling.Yarn(4, 16, null, null, null, null, null, null),
                new RopeScaling.LongRope(List.of(1.0, 2.0, 3.0, 4.0), List.of(5.0, 6.0, 7.0, 8.0), 16, null, null));
        for (RopeScaling scaling : scalings) {
            RopeFrequencies frequencies = new RopeFrequencies(10000, scaling, 8, 64);
            for (RopeLayout layout : RopeLayout.values()) {
                for (int position : new int[] {3, 15, 16, 63}) {
                    float[] vec = randomFloats(random, 2 * 8, 1);
                    float[] want = vec.clone();
                    SCALAR.rope(want, 2, 8, position, frequencies, layout);
                    for (int h = 0; h < 2; h++) {
                        for (int pair = 0; pair < 4; pair++) {
                            int i0 = h * 8 + layout.dimOf(pair, 0, 8);
                            int i1 = h * 8 + layout.dimOf(pair, 1, 8);
                            assertEquals(Math.hypot(vec[i0], vec[i1]) * frequencies.attentionFactor(),
                                    Math.hypot(want[i0], want[i1]), 1e-5, scaling.type() + " pair length");
                        }
                    }
                    backend().rope(vec, 2, 8, position, frequencies, layout);
                    assertClose(want, vec, vec.length, TOLERANCE, "rope " + scaling.type() + " " + layout
                            + " position=" + position);
                }
            }
        }
    }

    @Test
    void attention() {
        int maxSeq = 260;
        int[][] heads = {{1, 1}, {4, 4}, {8, 2}, {6, 3}};
        for (int[] h : heads) {
            for (int keySize : new int[] {1, 16, 64}) {
                for (int position : new int[] {0, 1, 5, 63, 64, 65, 200}) {
                    checkAttention(maxSeq, position, h[0], h[1], keySize, keySize == 1 ? 24 : keySize);
                }
            }
        }
    }

    private void checkAttention(int maxSeq, int position, int queryHeads, int kvHeads, int keySize, int valueSize) {
        float[] q = randomFloats(random, queryHeads * keySize, 2);
        float[] keys = randomFloats(random, maxSeq * kvHeads * keySize, 2);
        float[] values = randomFloats(random, maxSeq * kvHeads * valueSize, 1);
        float[] want = new float[queryHeads * valueSize];
        float[] got = new float[queryHeads * valueSize];
        SCALAR.attention(q, keys, values, want, position, queryHeads, kvHeads, keySize, valueSize);
        backend().attention(q, keys, values, got, position, queryHeads, kvHeads, keySize, valueSize);
        assertClose(want, got, want.length, TOLERANCE, "attention position=" + position + " heads=" + queryHeads
                + "/" + kvHeads + " keySize=" + keySize + " valueSize=" + valueSize);
    }

    @Test
    void swiglu() {
        for (int n : LENGTHS) {
            float[] gate = randomFloats(random, n, 6);
            float[] up = randomFloats(random, n, 2);
            float[] want = gate.clone();
            SCALAR.swiglu(want, up, n);
            backend().swiglu(gate, up, n);
            assertClose(want, gate, n, TOLERANCE, "swiglu n=" + n);
        }
    }

    @Test
    void relu() {
        for (int n : LENGTHS) {
            float[] x = randomFloats(random, n, 2);
            float[] want = x.clone();
            SCALAR.relu(want, n);
            backend().relu(x, n);
            assertClose(want, x, n, 0, "relu n=" + n);
        }
    }

    @Test
    void gelu() {
        for (int n : LENGTHS) {
            float[] x = randomFloats(random, n, 8);
            float[] want = x.clone();
            SCALAR.gelu(want, n);
            backend().gelu(x, n);
            assertClose(want, x, n, TOLERANCE, "gelu n=" + n);
        }
    }

    @Test
    void add() {
        for (int n : LENGTHS) {
            float[] y = randomFloats(random, n, 2);
            float[] x = randomFloats(random, n, 2);
            float[] want = y.clone();
            SCALAR.add(want, x, n);
            backend().add(y, x, n);
            assertClose(want, y, n, 0, "add n=" + n);
        }
    }

    @Test
    void onlyTheFirstNEntriesChange() {
        float[] x = randomFloats(random, 100, 2);
        float[] before = x.clone();
        backend().relu(x, 40);
        for (int i = 40; i < 100; i++) {
            if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(before[i])) {
                throw new AssertionError("relu over 40 entries changed entry " + i);
            }
        }
    }
}
