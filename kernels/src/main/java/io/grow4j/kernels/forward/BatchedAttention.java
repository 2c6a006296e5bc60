package io.grow4j.kernels.forward;

import io.grow4j.kernels.ActivationMath;
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
     * h / (queryHeads / kvHeads). Heads are split between the backend's threads ({@link KernelBackend#parallelFor}),
     * each head's products and softmax on one thread: one hand-off per layer instead of two per head, and the
     * softmax no longer runs on one thread while the others wait. The values do not depend on the split.
     */
    static void run(KernelBackend backend, float[][] q, float[] keys, float[] values, float[][] out, int queryHeads,
                    int kvHeads, int keySize, int valueSize) {
        int t = q.length;
        long workPerHead = (long) t * t * (keySize + valueSize);
        backend.parallelFor(queryHeads, workPerHead, (from, to) -> {
            Heads heads = new Heads(backend, t, queryHeads / kvHeads, kvHeads, keySize, valueSize);
            for (int h = from; h < to; h++) {
                heads.run(h, q, keys, values, out);
            }
        });
    }

    /** One thread's scratch for a run of query heads; a kv head's keys and values are gathered once per run. */
    private static final class Heads {
        private final KernelBackend backend;
        private final int t;
        private final int group;
        private final int kvHeads;
        private final int keySize;
        private final int valueSize;
        private final float scale;
        private final float[] qh;
        private final float[] kh;
        private final float[] vt;
        private final float[] scores;
        private final float[] oh;
        private int loadedKv = -1;

        Heads(KernelBackend backend, int t, int group, int kvHeads, int keySize, int valueSize) {
            this.backend = backend;
            this.t = t;
            this.group = group;
            this.kvHeads = kvHeads;
            this.keySize = keySize;
            this.valueSize = valueSize;
            this.scale = (float) (1.0 / Math.sqrt(keySize));
            this.qh = new float[t * keySize];
            this.kh = new float[t * keySize];
            this.vt = new float[valueSize * t];
            this.scores = new float[t * t];
            this.oh = new float[t * valueSize];
        }

        void run(int h, float[][] q, float[] keys, float[] values, float[][] out) {
            load(h / group, keys, values);
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

        /** kh ← kv head kv's keys [t, keySize], vt ← its values transposed [valueSize, t] (b as rows). */
        private void load(int kv, float[] keys, float[] values) {
            if (kv == loadedKv) {
                return;
            }
            for (int i = 0; i < t; i++) {
                System.arraycopy(keys, (i * kvHeads + kv) * keySize, kh, i * keySize, keySize);
                for (int d = 0; d < valueSize; d++) {
                    vt[d * t + i] = values[(i * kvHeads + kv) * valueSize + d];
                }
            }
            loadedKv = kv;
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
            float inv = (float) (1.0 / ActivationMath.shiftedExpInPlace(s, row, i + 1, max));
            for (int j = 0; j <= i; j++) {
                s[row + j] *= inv;
            }
            java.util.Arrays.fill(s, row + i + 1, row + t, 0f);
        }
    }
}
