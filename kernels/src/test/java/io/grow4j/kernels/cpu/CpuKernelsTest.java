package io.grow4j.kernels.cpu;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.ScalarKernels;
import io.grow4j.model.DType;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static io.grow4j.kernels.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static io.grow4j.kernels.Close.randomFloats;

/** Every CpuKernels operation against the scalar double-accumulating reference, on awkward sizes. */
class CpuKernelsTest {
    private static final double TOLERANCE = 1e-5;
    /** Sizes around the vector width and the blocking constants, plus 1 and a large one. */
    private static final int[] SIZES = {1, 2, 3, 7, VectorDots.LANES - 1, VectorDots.LANES, VectorDots.LANES + 1,
            4 * VectorDots.LANES + 3, 100, 257, 1000, 5003};

    private static final KernelBackend SCALAR = new ScalarKernels();
    /** 1 thread, and more threads than this machine may have, so both the inline and the chunked paths run. */
    private static final CpuKernels ONE = new CpuKernels(1);
    private static final CpuKernels MANY = new CpuKernels(3);
    private final SplittableRandom random = new SplittableRandom(42);

    @AfterAll
    static void close() {
        ONE.close();
        MANY.close();
    }

    /** Several matrices of one input in one pass: each output as its own matvec would give it, within tolerance. */
    @Test
    void matvecs() {
        int[][] rowSets = {{1}, {3, 5, 7}, {64, 32, 32}, {1000, 1000}, {2048, 300, 300}, {5, 4099}};
        for (int cols : new int[] {1, 17, 300, 768}) {
            for (int[] rows : rowSets) {
                float[] x = randomFloats(random, cols, 1);
                float[][] ws = new float[rows.length][];
                float[][] want = new float[rows.length][];
                for (int i = 0; i < rows.length; i++) {
                    ws[i] = randomFloats(random, rows[i] * cols, 1);
                    want[i] = new float[rows[i]];
                    SCALAR.matvec(ws[i], x, want[i], rows[i], cols);
                }
                for (CpuKernels cpu : new CpuKernels[] {ONE, MANY}) {
                    float[][] got = new float[rows.length][];
                    for (int i = 0; i < rows.length; i++) {
                        got[i] = new float[rows[i]];
                    }
                    cpu.matvecs(x, cols, ws, got, rows);
                    for (int i = 0; i < rows.length; i++) {
                        assertClose(want[i], got[i], rows[i], TOLERANCE, "matvecs part " + i + " of "
                                + java.util.Arrays.toString(rows) + "x" + cols + " on " + cpu.device());
                    }
                }
            }
        }
    }

    @Test
    void matvec() {
        int[][] shapes = {{1, 1}, {1, 17}, {5, 1}, {3, 7}, {7, 33}, {13, 100}, {64, 64}, {257, 129}, {1000, 513},
                {4099, 300}, {300, 4099}};
        for (int[] s : shapes) {
            float[] w = randomFloats(random, s[0] * s[1], 1);
            float[] x = randomFloats(random, s[1], 1);
            float[] want = new float[s[0]];
            SCALAR.matvec(w, x, want, s[0], s[1]);
            for (CpuKernels cpu : new CpuKernels[] {ONE, MANY}) {
                float[] got = new float[s[0]];
                cpu.matvec(w, x, got, s[0], s[1]);
                assertClose(want, got, s[0], TOLERANCE, "matvec " + s[0] + "x" + s[1] + " on " + cpu.device());
            }
        }
    }

    @Test
    void matmul() {
        int[] ms = {1, 2, 5, 6, 7, 8, 13, 121, 200};
        int[] ns = {1, 3, 33, PackedMatmul.NR + 1, PackedMatmul.NC + 5, 600};
        int[] ks = {1, 5, 17, PackedMatmul.KC, PackedMatmul.KC + 3, 700};
        for (int m : ms) {
            for (int n : ns) {
                for (int k : ks) {
                    checkMatmul(m, n, k);
                }
            }
        }
    }

    @Test
    void largeMatmul() {
        checkMatmul(513, 1031, 1029);
    }

    /**
     * Products with weights read in place (blocks of rows decoded, packed by in-register transposes of 16 × 16 and
     * gathers for the ragged depths and rows) equal the float-array product of the same rounded values bit for bit
     * in every dtype, on one thread and on three, at sizes with and without tails.
     */
    @Test
    void tensorMatmulEqualsTheArrayProduct() {
        int[][] shapes = {{8, 1, 1}, {9, 17, 33}, {13, 65, 16}, {121, PackedMatmul.NC + 5, PackedMatmul.KC + 3},
                {128, 768, 768}, {8, 200, 47}};
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                float[] a = randomFloats(random, m * k, 1);
                Tensor w = Tensor.allocate(dtype, n, k);
                float[] wf = new float[n * k];
                float[] values = randomFloats(random, n * k, 1);
                for (int i = 0; i < values.length; i++) {
                    w.set(i, values[i]);
                    wf[i] = (float) w.get(i);
                }
                for (CpuKernels cpu : new CpuKernels[] {ONE, MANY}) {
                    float[] want = new float[m * n];
                    cpu.matmul(a, wf, want, m, n, k);
                    float[] got = new float[m * n];
                    java.util.Arrays.fill(got, Float.NaN);
                    cpu.matmul(a, m, w, got);
                    for (int i = 0; i < m * n; i++) {
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                                dtype + " " + m + "x" + n + "x" + k + " entry " + i + " on " + cpu.device());
                    }
                }
            }
        }
    }

    private void checkMatmul(int m, int n, int k) {
        float[] a = randomFloats(random, m * k, 1);
        float[] b = randomFloats(random, n * k, 1);
        float[] want = new float[m * n];
        SCALAR.matmul(a, b, want, m, n, k);
        for (CpuKernels cpu : new CpuKernels[] {ONE, MANY}) {
            float[] got = new float[m * n];
            java.util.Arrays.fill(got, Float.NaN); // every entry must be written, not accumulated into
            cpu.matmul(a, b, got, m, n, k);
            assertClose(want, got, m * n, TOLERANCE, "matmul m=" + m + " n=" + n + " k=" + k + " on " + cpu.device());
        }
    }

    /** The training layouts on the packed kernel: sizes around MR, NR, NC, KC and MC, ragged in every direction. */
    @Test
    void matmulLayoutsOfTraining() {
        int[] ms = {1, 5, 6, 13, PackedMatmul.MC + 7};
        int[] ns = {1, 33, PackedMatmul.NR + 1, PackedMatmul.NC + 5};
        int[] ks = {1, 17, PackedMatmul.KC + 3, 2 * PackedMatmul.KC + 1};
        for (int m : ms) {
            for (int n : ns) {
                for (int k : ks) {
                    checkLayouts(m, n, k);
                }
            }
        }
    }

    /** NN against the scalar a·(bᵀ)ᵀ; TN added onto a non-zero c against the scalar (aᵀ)·(bᵀ)ᵀ plus that c. */
    private void checkLayouts(int m, int n, int k) {
        float[] a = randomFloats(random, m * k, 1);
        float[] b = randomFloats(random, k * n, 1);
        float[] bT = io.grow4j.kernels.Transpose.of(b, k, n);
        float[] want = new float[m * n];
        SCALAR.matmul(a, bT, want, m, n, k);
        float[] start = randomFloats(random, m * n, 1);
        float[] wantSum = new float[m * n];
        SCALAR.matmul(io.grow4j.kernels.Transpose.of(a, k, m), bT, wantSum, m, n, k);
        for (int i = 0; i < wantSum.length; i++) {
            wantSum[i] += start[i];
        }
        String sizes = " m=" + m + " n=" + n + " k=" + k;
        for (CpuKernels cpu : new CpuKernels[] {ONE, MANY}) {
            float[] got = new float[m * n];
            java.util.Arrays.fill(got, Float.NaN);
            cpu.matmulNN(a, b, got, m, n, k);
            assertClose(want, got, m * n, TOLERANCE, "matmulNN" + sizes + " on " + cpu.device());
            float[] sum = start.clone();
            cpu.addMatmulTN(a, b, sum, m, n, k);
            assertClose(wantSum, sum, m * n, TOLERANCE, "addMatmulTN" + sizes + " on " + cpu.device());
        }
    }

    @Test
    void rmsnorm() {
        for (int n : SIZES) {
            float[] x = randomFloats(random, n, 3);
            float[] gain = randomFloats(random, n, 1);
            float[] want = new float[n];
            float[] got = new float[n];
            SCALAR.rmsnorm(want, x, gain, 1e-5f, n);
            MANY.rmsnorm(got, x, gain, 1e-5f, n);
            assertClose(want, got, n, TOLERANCE, "rmsnorm n=" + n);
        }
    }

    @Test
    void layernorm() {
        for (int n : SIZES) {
            float[] x = randomFloats(random, n, 3);
            for (int i = 0; i < n; i++) {
                x[i] += 5; // an offset mean is what LayerNorm removes
            }
            float[] gain = randomFloats(random, n, 1);
            float[] bias = randomFloats(random, n, 1);
            float[] want = new float[n];
            float[] got = new float[n];
            SCALAR.layernorm(want, x, gain, bias, 1e-5f, n);
            MANY.layernorm(got, x, gain, bias, 1e-5f, n);
            assertClose(want, got, n, TOLERANCE, "layernorm n=" + n);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INTERLEAVED", "HALF_SPLIT"})
    void rope(String layoutName) {
        RopeLayout layout = RopeLayout.valueOf(layoutName);
        int[][] shapes = {{1, 2}, {3, 6}, {8, 8}, {5, 34}, {32, 128}};
        for (int[] s : shapes) {
            for (int position : new int[] {0, 1, 7, 511, 4000}) {
                for (double theta : new double[] {10000, 500000}) {
                    float[] want = randomFloats(random, s[0] * s[1], 1);
                    float[] got = want.clone();
                    SCALAR.rope(want, s[0], s[1], position, theta, layout);
                    MANY.rope(got, s[0], s[1], position, theta, layout);
                    assertClose(want, got, want.length, TOLERANCE,
                            "rope heads=" + s[0] + " size=" + s[1] + " pos=" + position + " " + layout);
                }
            }
        }
    }

    @Test
    void attention() {
        // {queryHeads, kvHeads, keySize, valueSize, position}: GQA groups, key size != value size, long contexts.
        int[][] cases = {{1, 1, 1, 1, 0}, {2, 1, 3, 5, 0}, {4, 2, 5, 7, 1}, {8, 2, 8, 8, 9}, {6, 3, 17, 33, 40},
                {8, 8, 64, 48, 100}, {32, 8, 64, 64, 300}, {12, 4, 128, 96, 1000}};
        for (int[] c : cases) {
            int qh = c[0], kvh = c[1], ks = c[2], vs = c[3], pos = c[4];
            float[] q = randomFloats(random, qh * ks, 1);
            float[] keys = randomFloats(random, (pos + 1) * kvh * ks, 1);
            float[] values = randomFloats(random, (pos + 1) * kvh * vs, 1);
            float[] want = new float[qh * vs];
            SCALAR.attention(q, keys, values, want, pos, qh, kvh, ks, vs);
            for (CpuKernels cpu : new CpuKernels[] {ONE, MANY}) {
                float[] got = new float[qh * vs];
                cpu.attention(q, keys, values, got, pos, qh, kvh, ks, vs);
                assertClose(want, got, want.length, TOLERANCE, "attention " + java.util.Arrays.toString(c));
            }
        }
    }

    @Test
    void elementwise() {
        for (int n : SIZES) {
            float[] a = randomFloats(random, n, 6);
            float[] b = randomFloats(random, n, 2);
            checkUnary(a, n, "relu", KernelBackend::relu);
            checkUnary(a, n, "gelu", KernelBackend::gelu);
            checkUnary(a, n, "geluTanh", KernelBackend::geluTanh);
            float[] want = a.clone();
            float[] got = a.clone();
            SCALAR.swiglu(want, b, n);
            MANY.swiglu(got, b, n);
            assertClose(want, got, n, TOLERANCE, "swiglu n=" + n);
            want = a.clone();
            got = a.clone();
            SCALAR.add(want, b, n);
            MANY.add(got, b, n);
            assertClose(want, got, n, TOLERANCE, "add n=" + n);
        }
    }

    /** GELU must be accurate entry by entry, including far into the negative tail where Φ(x) is tiny. */
    @Test
    void geluIsAccuratePerEntry() {
        int n = 4001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -12f + 20f * i / (n - 1);
        }
        float[] want = x.clone();
        float[] got = x.clone();
        SCALAR.gelu(want, n);
        MANY.gelu(got, n);
        for (int i = 0; i < n; i++) {
            assertClose(new float[] {want[i]}, new float[] {got[i]}, 1, TOLERANCE, "gelu(" + x[i] + ")");
        }
    }

    private interface Unary {
        void apply(KernelBackend backend, float[] x, int n);
    }

    private static void checkUnary(float[] input, int n, String name, Unary op) {
        float[] want = input.clone();
        float[] got = input.clone();
        op.apply(SCALAR, want, n);
        op.apply(MANY, got, n);
        assertClose(want, got, n, TOLERANCE, name + " n=" + n);
    }
}
