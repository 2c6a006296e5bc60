package io.grow4j.kernels.forward;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.RangeBody;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;

import java.util.SplittableRandom;

import static io.grow4j.kernels.Close.assertClose;
import static io.grow4j.kernels.Close.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A whole sequence's attention as matrix products equals the decoding kernel run position by position (each position
 * seeing only the cache up to itself) within float rounding: short sequences (row products) and long ones (the packed
 * kernel, tails of its 6-row and 16-column tiles), grouped-query heads, key and value sizes that are not multiples of
 * the vector width, on one thread and on three.
 */
class BatchedAttentionTest {

    @Test
    void equalsTheDecodingKernelPositionByPosition() {
        SplittableRandom random = new SplittableRandom(7);
        int[][] shapes = {{1, 4, 4, 8, 8}, {5, 4, 2, 24, 40}, {8, 6, 3, 17, 9}, {33, 8, 2, 24, 40}, {100, 4, 1, 64, 64}};
        for (int threads : new int[] {1, 3}) {
            try (CpuKernels cpu = new CpuKernels(threads)) {
                for (int[] s : shapes) {
                    int t = s[0];
                    int heads = s[1];
                    int kvHeads = s[2];
                    int keySize = s[3];
                    int valueSize = s[4];
                    float[] keys = randomFloats(random, t * kvHeads * keySize, 2);
                    float[] values = randomFloats(random, t * kvHeads * valueSize, 1);
                    float[][] q = new float[t][];
                    float[][] got = new float[t][heads * valueSize];
                    for (int i = 0; i < t; i++) {
                        q[i] = randomFloats(random, heads * keySize, 2);
                    }
                    BatchedAttention.run(cpu, q, keys, values, got, heads, kvHeads, keySize, valueSize);
                    for (int i = 0; i < t; i++) {
                        float[] want = new float[heads * valueSize];
                        cpu.attention(q[i], keys, values, want, i, heads, kvHeads, keySize, valueSize);
                        assertClose(want, got[i], want.length, 1e-6, "t=" + t + " position " + i + " heads "
                                + heads + "/" + kvHeads + " sizes " + keySize + "/" + valueSize + ", " + threads
                                + " threads");
                    }
                }
            }
        }
    }

    /**
     * Heads split between threads give the same bits as every head in turn on the calling thread (the same backend
     * behind a plain KernelBackend, whose parallelFor runs the whole range at once): more heads than chunks, grouped
     * kv heads whose group straddles two threads' ranges, fewer heads than threads.
     */
    @Test
    void headsSplitBetweenThreadsEqualHeadsInTurn() {
        SplittableRandom random = new SplittableRandom(3);
        int[][] shapes = {{96, 12, 3, 32, 32}, {64, 10, 5, 16, 24}, {128, 2, 1, 64, 64}, {80, 6, 6, 33, 17}};
        try (CpuKernels cpu = new CpuKernels(3)) {
            KernelBackend inTurn = (KernelBackend) Proxy.newProxyInstance(KernelBackend.class.getClassLoader(),
                    new Class<?>[] {KernelBackend.class}, (proxy, method, args) -> {
                        if (method.getName().equals("parallelFor")) {
                            ((RangeBody) args[2]).run(0, (Integer) args[0]);
                            return null;
                        }
                        return method.invoke(cpu, args);
                    });
            for (int[] s : shapes) {
                int t = s[0];
                int heads = s[1];
                int kvHeads = s[2];
                float[] keys = randomFloats(random, t * kvHeads * s[3], 2);
                float[] values = randomFloats(random, t * kvHeads * s[4], 1);
                float[][] q = new float[t][];
                for (int i = 0; i < t; i++) {
                    q[i] = randomFloats(random, heads * s[3], 2);
                }
                float[][] want = new float[t][heads * s[4]];
                float[][] got = new float[t][heads * s[4]];
                BatchedAttention.run(inTurn, q, keys, values, want, heads, kvHeads, s[3], s[4]);
                BatchedAttention.run(cpu, q, keys, values, got, heads, kvHeads, s[3], s[4]);
                for (int i = 0; i < t; i++) {
                    assertArrayEquals(want[i], got[i], "t=" + t + " heads " + heads + "/" + kvHeads + " row " + i);
                }
            }
        }
    }
}
