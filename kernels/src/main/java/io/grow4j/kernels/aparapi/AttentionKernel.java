package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;

/**
 * Causal attention of one query position, one work-group per query head: scores into global scratch, a max and a
 * sum reduction in local memory, then each item accumulates some value dims. Query head h reads kv head
 * h / (queryHeads / kvHeads).
 */
final class AttentionKernel extends Kernel {
    float[] q;
    float[] keys;
    float[] values;
    float[] out;
    float[] scores;
    int position;
    int queryHeads;
    int kvHeads;
    int keySize;
    int valueSize;
    float scale;
    int group;
    @Local
    float[] red;

    AttentionKernel(int group) {
        this.group = group;
        this.red = new float[group];
    }

    @Override
    public void run() {
        int h = getGroupId(0);
        int l = getLocalId(0);
        int kvh = h / (queryHeads / kvHeads);
        int len = position + 1;
        int scoreBase = h * len;
        float mx = -3.4028235e38f;
        for (int t = l; t < len; t += group) {
            int kBase = t * kvHeads * keySize + kvh * keySize;
            float s = 0f;
            for (int d = 0; d < keySize; d++) {
                s += q[h * keySize + d] * keys[kBase + d];
            }
            s = s * scale;
            scores[scoreBase + t] = s;
            mx = max(mx, s);
        }
        red[l] = mx;
        localBarrier();
        for (int step = group / 2; step > 0; step = step / 2) {
            if (l < step) {
                red[l] = max(red[l], red[l + step]);
            }
            localBarrier();
        }
        mx = red[0];
        localBarrier();
        float sum = 0f;
        for (int t = l; t < len; t += group) {
            float e = exp(scores[scoreBase + t] - mx);
            scores[scoreBase + t] = e;
            sum += e;
        }
        red[l] = sum;
        localGlobalBarrier();
        for (int step = group / 2; step > 0; step = step / 2) {
            if (l < step) {
                red[l] += red[l + step];
            }
            localBarrier();
        }
        float inv = 1f / red[0];
        for (int d = l; d < valueSize; d += group) {
            float acc = 0f;
            for (int t = 0; t < len; t++) {
                acc += scores[scoreBase + t] * values[t * kvHeads * valueSize + kvh * valueSize + d];
            }
            out[h * valueSize + d] = acc * inv;
        }
    }
}
