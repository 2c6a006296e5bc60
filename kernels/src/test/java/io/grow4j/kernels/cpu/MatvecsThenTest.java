package io.grow4j.kernels.cpu;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static io.grow4j.kernels.Close.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Products with a step after them in one parallel pass ({@link CpuKernels#matvecsThen}): every product equals
 * {@link CpuKernels#matvec} bit for bit, and the step covers every row exactly once, only after that row of every
 * output is final; row counts not a multiple of 4, more threads than rows, and calls large enough to go parallel.
 */
class MatvecsThenTest {
    private static final int[][] SHAPES = {{1, 5}, {2, 3}, {7, 33}, {13, 2 * VectorDots.LANES + 1}, {1001, 129},
            {2048, 96}};
    private static final CpuKernels ONE = new CpuKernels(1);
    private static final CpuKernels MANY = new CpuKernels(3);
    private final SplittableRandom random = new SplittableRandom(11);

    @AfterAll
    static void close() {
        ONE.close();
        MANY.close();
    }

    @Test
    void productsEqualMatvecAndTheStepSeesEachFinishedRowOnce() {
        for (int[] s : SHAPES) {
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                Tensor a = tensor(dtype, s[0], s[1]);
                Tensor b = tensor(DType.F32, s[0], s[1]);
                float[] x = randomFloats(random, s[1], 1);
                float[] wantA = new float[s[0]];
                float[] wantB = new float[s[0]];
                ONE.matvec(a, x, wantA);
                ONE.matvec(b, x, wantB);
                for (CpuKernels cpu : new CpuKernels[] {ONE, MANY}) {
                    String what = dtype + " " + s[0] + "x" + s[1] + " on " + cpu.threads() + " threads";
                    float[][] outs = {new float[s[0]], new float[s[0]]};
                    AtomicIntegerArray seen = new AtomicIntegerArray(s[0]);
                    AtomicIntegerArray unfinished = new AtomicIntegerArray(s[0]);
                    cpu.matvecsThen(new Tensor[] {a, b}, x, outs, (from, to) -> {
                        for (int r = from; r < to; r++) {
                            seen.incrementAndGet(r);
                            boolean done = same(wantA[r], outs[0][r]) && same(wantB[r], outs[1][r]);
                            unfinished.set(r, done ? 0 : 1);
                        }
                    });
                    for (int r = 0; r < s[0]; r++) {
                        assertEquals(1, seen.get(r), what + ": row " + r + " stepped over");
                        assertEquals(0, unfinished.get(r), what + ": row " + r + " stepped before its products");
                        assertTrue(same(wantA[r], outs[0][r]) && same(wantB[r], outs[1][r]), what + ": row " + r);
                    }
                }
            }
        }
    }

    @Test
    void matricesOfDifferentRowCountsAreRefused() {
        Tensor[] ws = {tensor(DType.F32, 4, 8), tensor(DType.F32, 5, 8)};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MANY.matvecsThen(ws, new float[8], new float[][] {new float[4], new float[5]}, (f, t) -> { }));
        assertTrue(e.getMessage().contains("equal row counts"), e.getMessage());
    }

    private static boolean same(float a, float b) {
        return Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b);
    }

    private Tensor tensor(DType dtype, int rows, int cols) {
        float[] values = randomFloats(random, rows * cols, 1);
        Tensor t = Tensor.allocate(dtype, rows, cols);
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return t;
    }
}
