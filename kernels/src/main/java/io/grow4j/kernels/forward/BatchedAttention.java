package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;

/**
 * Standard causal attention of a whole sequence at once, each query head as two matrix products on the backend: the
 * scores S = Q_h · K_hᵀ ([positions, positions]), scaled by 1/sqrt(keySize), masked above the diagonal and
 * softmaxed per row as the decoding kernel does it (maximum subtracted, exp in float, the sum in double), then
 * O_h = P · V_h. Each weight and exponential equals the per-position kernel's; the dot products and the weighted
 * sums add in the packed kernel's order, so outputs agree with decoding within float rounding. Half of S is computed
 * and then masked: at a few hundred positions that costs less than the per-position calls it replaces.
 */
final class BatchedAttention {
    private BatchedAttention() {
    }

    /**
     * out[i][h·valueSize ..] ← head h's attention for query row q[i] (position i of the sequence) over the cached
     * positions 0..i; keys and values are the cache's [position, kvHeads·size] arrays; query head h reads kv head
     * h / (queryHeads / kvHeads).
     */
    static void run(KernelBackend backend, float[][] q, float[] keys, float[] values, float[][] out, int queryHeads,
                    int kvHeads, int keySize, int valueSize) {
        int t = q.length;
        int group = queryHeads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(keySize));
        float[] qh = new float[t * keySize];
        float[] kh = new float[t * keySize];
        float[] vt = new float[valueSize * t];
        float[] scores = new float[t * t];
        float[] oh = new float[t * valueSize];
        for (int kv = 0; kv < kvHeads; kv++) {
            for (int i = 0; i < t; i++) {
                System.arraycopy(keys, (i * kvHeads + kv) * keySize, kh, i * keySize, keySize);
                for (int d = 0; d < valueSize; d++) {
                    vt[d * t + i] = values[(i * kvHeads + kv) * valueSize + d]; // Vᵀ: the product takes b as rows
                }
            }
            for (int h = kv * group; h < (kv + 1) * group; h++) {
                for (int i = 0; i < t; i++) {
                    System.arraycopy(q[i], h * keySize, qh, i * keySize, keySize);
                }
                backend.matmul(qh, kh, scores, t, t, keySize);
                causalSoftmax(scores, t, scale);
                backend.matmul(scores, vt, oh, t, valueSize, t);
                for (int i = 0; i < t; i++) {
                    System.arraycopy(oh, i * valueSize, out[i], h * valueSize, valueSize);
                }
            }
        }
    }

    /** Row i of s ([t, t]) ← softmax of its scaled entries 0..i, zeros after, in the decoding kernel's arithmetic. */
    private static void causalSoftmax(float[] s, int t, float scale) {
        for (int i = 0; i < t; i++) {
            int row = i * t;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                s[row + j] *= scale;
                max = Math.max(max, s[row + j]);
            }
            double sum = 0;
            for (int j = 0; j <= i; j++) {
                float e = (float) Math.exp(s[row + j] - max);
                s[row + j] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            for (int j = 0; j <= i; j++) {
                s[row + j] *= inv;
            }
            java.util.Arrays.fill(s, row + i + 1, row + t, 0f);
        }
    }
}
