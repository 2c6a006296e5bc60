package io.grow4j.train;

import io.grow4j.kernels.cpu.VectorDots;
import io.grow4j.model.AttentionConfig;

import java.util.stream.IntStream;

/**
 * Causal GQA attention over a batch of sequences of equal length, rows [sequence·length + position], forward and
 * backward. The forward keeps the weights p [sequence][head][t][u] for the backward. Parallel over (sequence, head)
 * in the forward and over (sequence, kv group) in the backward, so each task writes its own rows only and the sums
 * run in the same order at any thread count. Dot products and row updates run on the Vector API (head sizes are a
 * few vectors wide).
 */
final class FloatAttention {
    private final AttentionConfig att;
    private final int sequences;
    private final int length;
    private final float scale;

    FloatAttention(AttentionConfig att, int sequences, int length) {
        this.att = att;
        this.sequences = sequences;
        this.length = length;
        this.scale = (float) (1.0 / Math.sqrt(att.keySize()));
    }

    int weightCount() {
        return sequences * att.queryHeads() * length * length;
    }

    /** o [rows, Hq·dv] from roped q [rows, Hq·dk], k [rows, Hkv·dk], v [rows, Hkv·dv]; fills p. */
    float[] forward(float[] q, float[] k, float[] v, float[] p) {
        int heads = att.queryHeads();
        int dk = att.keySize();
        int dv = att.valueSize();
        int qWidth = heads * dk;
        int kWidth = att.kvHeads() * dk;
        int vWidth = att.kvHeads() * dv;
        float[] o = new float[sequences * length * heads * dv];
        IntStream.range(0, sequences * heads).parallel().forEach(task -> {
            int s = task / heads;
            int h = task % heads;
            int kv = h / att.queriesPerGroup();
            for (int t = 0; t < length; t++) {
                int row = s * length + t;
                int pBase = ((s * heads + h) * length + t) * length;
                int qi = row * qWidth + h * dk;
                float max = Float.NEGATIVE_INFINITY;
                for (int u = 0; u <= t; u++) {
                    float score = VectorDots.dot(q, qi, k, (s * length + u) * kWidth + kv * dk, dk) * scale;
                    p[pBase + u] = score;
                    max = Math.max(max, score);
                }
                double sum = 0;
                for (int u = 0; u <= t; u++) {
                    p[pBase + u] = (float) Math.exp(p[pBase + u] - max);
                    sum += p[pBase + u];
                }
                float inv = (float) (1.0 / sum);
                int oi = row * heads * dv + h * dv;
                for (int u = 0; u <= t; u++) {
                    p[pBase + u] *= inv;
                    VectorDots.axpy(p[pBase + u], v, (s * length + u) * vWidth + kv * dv, o, oi, dv);
                }
            }
        });
        return o;
    }

    /**
     * From dO [rows, Hq·dv] to the gradients of the roped q and k and of v (written into dq, dk, dv):
     * dp = dO·vᵀ, dv += pᵀ·dO, ds = p⊙(dp − Σ p·dp)/√dk, dq = ds·k, dk += dsᵀ·q.
     */
    void backward(float[] q, float[] k, float[] v, float[] p, float[] dO, float[] dq, float[] dk, float[] dv) {
        int heads = att.queryHeads();
        int group = att.queriesPerGroup();
        IntStream.range(0, sequences * att.kvHeads()).parallel().forEach(task -> {
            int s = task / att.kvHeads();
            int kv = task % att.kvHeads();
            float[] dp = new float[length];
            for (int h = kv * group; h < (kv + 1) * group; h++) {
                for (int t = 0; t < length; t++) {
                    int pBase = ((s * heads + h) * length + t) * length;
                    rowBackward(s, h, kv, t, pBase, q, k, v, p, dO, dq, dk, dv, dp);
                }
            }
        });
    }

    private void rowBackward(int s, int h, int kv, int t, int pBase, float[] q, float[] k, float[] v, float[] p,
                             float[] dO, float[] dq, float[] dk, float[] dv, float[] dp) {
        int dkSize = att.keySize();
        int dvSize = att.valueSize();
        int qWidth = att.queryHeads() * dkSize;
        int kWidth = att.kvHeads() * dkSize;
        int vWidth = att.kvHeads() * dvSize;
        int row = s * length + t;
        int oi = row * att.queryHeads() * dvSize + h * dvSize;
        double weighted = 0;
        for (int u = 0; u <= t; u++) {
            int vi = (s * length + u) * vWidth + kv * dvSize;
            float pu = p[pBase + u];
            float acc = VectorDots.dot(dO, oi, v, vi, dvSize);
            VectorDots.axpy(pu, dO, oi, dv, vi, dvSize);
            dp[u] = acc;
            weighted += pu * acc;
        }
        int qi = row * qWidth + h * dkSize;
        for (int u = 0; u <= t; u++) {
            float ds = (float) (p[pBase + u] * (dp[u] - weighted)) * scale;
            int ki = (s * length + u) * kWidth + kv * dkSize;
            VectorDots.axpy(ds, k, ki, dq, qi, dkSize);
            VectorDots.axpy(ds, q, qi, dk, ki, dkSize);
        }
    }
}
