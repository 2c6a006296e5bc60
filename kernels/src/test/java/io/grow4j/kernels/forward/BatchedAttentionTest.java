package io.grow4j.kernels.forward;

import io.grow4j.kernels.cpu.CpuKernels;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.grow4j.kernels.Close.assertClose;
import static io.grow4j.kernels.Close.randomFloats;

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
}
