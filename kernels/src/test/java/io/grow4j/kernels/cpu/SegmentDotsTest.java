package io.grow4j.kernels.cpu;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.ScalarKernels;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.grow4j.kernels.Close.assertClose;
import static io.grow4j.kernels.Close.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Decoding products read straight from stored F32 and BF16 tensors ({@link SegmentDots}, through CpuKernels'
 * tensor matvec): F32 equals the float-array path bit for bit, BF16 matches the scalar reference on the same rounded
 * values; shapes with row remainders (not a multiple of 4) and column tails (not a multiple of the vector blocks).
 */
class SegmentDotsTest {
    private static final int L = VectorDots.LANES;
    private static final int[][] SHAPES = {{1, 1}, {3, 7}, {4, L}, {5, 2 * L}, {7, 2 * L + 1}, {13, 4 * L + 3},
            {64, 768}, {257, 129}, {1000, 513}, {33, 4 * L - 1}};
    private static final KernelBackend SCALAR = new ScalarKernels();
    private static final CpuKernels ONE = new CpuKernels(1);
    private static final CpuKernels MANY = new CpuKernels(3);
    private final SplittableRandom random = new SplittableRandom(7);

    @AfterAll
    static void close() {
        ONE.close();
        MANY.close();
    }

    @Test
    void f32RowsEqualTheArrayPathBitForBit() {
        for (int[] s : SHAPES) {
            float[] w = randomFloats(random, s[0] * s[1], 1);
            float[] x = randomFloats(random, s[1], 1);
            Tensor tensor = tensor(DType.F32, s, w);
            for (CpuKernels cpu : new CpuKernels[] {ONE, MANY}) {
                float[] want = new float[s[0]];
                float[] got = new float[s[0]];
                cpu.matvec(w, x, want, s[0], s[1]);
                cpu.matvec(tensor, x, got);
                for (int r = 0; r < s[0]; r++) {
                    assertEquals(Float.floatToRawIntBits(want[r]), Float.floatToRawIntBits(got[r]),
                            "row " + r + " of " + s[0] + "x" + s[1] + " on " + cpu.device() + ": " + want[r] + " vs "
                                    + got[r]);
                }
            }
        }
    }

    /**
     * A row sums to the same bits whether it falls in a group of four or is left over at a chunk's end, so results
     * do not depend on how a parallel call splits the rows (or on the thread count): every row alone against the
     * whole range, for arrays and for F32 and BF16 tensors.
     */
    @Test
    void eachRowIsTheSameBitsHoweverTheRowsAreSplit() {
        for (int[] s : SHAPES) {
            float[] w = randomFloats(random, s[0] * s[1], 1);
            float[] x = randomFloats(random, s[1], 1);
            float[] whole = new float[s[0]];
            float[] alone = new float[s[0]];
            VectorDots.rowDots(w, s[1], x, 0, whole, 0, 0, s[0]);
            for (int r = 0; r < s[0]; r++) {
                VectorDots.rowDots(w, s[1], x, 0, alone, 0, r, r + 1);
            }
            assertSameBits(whole, alone, "arrays " + s[0] + "x" + s[1]);
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                Tensor tensor = tensor(dtype, s, w);
                float[] xs = SegmentDots.prepare(dtype, x);
                SegmentDots.rowDots(tensor, x, xs, whole, 0, s[0]);
                for (int r = 0; r < s[0]; r++) {
                    SegmentDots.rowDots(tensor, x, xs, alone, r, r + 1);
                }
                assertSameBits(whole, alone, dtype + " " + s[0] + "x" + s[1]);
            }
        }
    }

    private static void assertSameBits(float[] want, float[] got, String what) {
        for (int r = 0; r < want.length; r++) {
            assertEquals(Float.floatToRawIntBits(want[r]), Float.floatToRawIntBits(got[r]),
                    what + ", row " + r + ": " + want[r] + " vs " + got[r]);
        }
    }

    /** The reference reads the tensor's own (rounded) values; each int of the stored row holds an even and odd pair. */
    @Test
    void bf16RowsMatchTheReferenceOnTheRoundedWeights() {
        for (int[] s : SHAPES) {
            Tensor tensor = tensor(DType.BF16, s, randomFloats(random, s[0] * s[1], 1));
            float[] rounded = tensor.toFloatArray();
            float[] x = randomFloats(random, s[1], 1);
            float[] want = new float[s[0]];
            SCALAR.matvec(rounded, x, want, s[0], s[1]);
            for (CpuKernels cpu : new CpuKernels[] {ONE, MANY}) {
                float[] got = new float[s[0]];
                cpu.matvec(tensor, x, got);
                assertClose(want, got, s[0], 1e-5, "bf16 " + s[0] + "x" + s[1] + " on " + cpu.device());
                float[][] outs = {new float[s[0]], new float[s[0]]};
                cpu.matvecs(new Tensor[] {tensor, tensor(DType.F32, s, rounded)}, x, outs);
                assertClose(want, outs[0], s[0], 1e-5, "bf16 in matvecs " + s[0] + "x" + s[1]);
                assertClose(want, outs[1], s[0], 1e-5, "f32 beside bf16 in matvecs " + s[0] + "x" + s[1]);
            }
        }
    }

    /** The lane-extracting sum adds in the halving order of the slice form, so the two agree bit for bit. */
    @Test
    void sumLanesKeepsTheHalvingOrder() {
        for (int trial = 0; trial < 1000; trial++) {
            float[] lanes = new float[L];
            for (int i = 0; i < L; i++) {
                lanes[i] = (float) ((random.nextDouble() - 0.5) * Math.pow(2, random.nextInt(-20, 20)));
            }
            FloatVector v = FloatVector.fromArray(VectorDots.SPECIES, lanes, 0);
            assertEquals(Float.floatToRawIntBits(VectorDots.sliceSum(v)),
                    Float.floatToRawIntBits(VectorDots.sumLanes(v)), java.util.Arrays.toString(lanes));
        }
    }

    /**
     * The four-row reduction adds the same pairs in the same order as four single sums, so every row's result is the
     * same bits (decoding and the array path both use it; verify compares such results exactly). Run hot enough for
     * the JIT to compile the selections, whose intrinsic must agree with the interpreter.
     */
    @Test
    void sumLanes4EqualsFourSingleSums() {
        float[] out = new float[6];
        for (int trial = 0; trial < 20_000; trial++) {
            FloatVector[] v = new FloatVector[4];
            for (int row = 0; row < 4; row++) {
                float[] lanes = new float[L];
                for (int i = 0; i < L; i++) {
                    lanes[i] = (float) ((random.nextDouble() - 0.5) * Math.pow(2, random.nextInt(-20, 20)));
                }
                v[row] = FloatVector.fromArray(VectorDots.SPECIES, lanes, 0);
            }
            VectorDots.sumLanes4(v[0], v[1], v[2], v[3], out, 1);
            for (int row = 0; row < 4; row++) {
                assertEquals(Float.floatToRawIntBits(VectorDots.sumLanes(v[row])),
                        Float.floatToRawIntBits(out[1 + row]), "trial " + trial + ", row " + row);
            }
        }
        assertEquals(0f, out[0]);
        assertEquals(0f, out[5]);
    }

    private static Tensor tensor(DType dtype, int[] shape, float[] values) {
        Tensor t = Tensor.allocate(dtype, shape[0], shape[1]);
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return t;
    }
}
