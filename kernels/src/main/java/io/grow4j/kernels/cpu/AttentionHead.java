package io.grow4j.kernels.cpu;

import io.grow4j.kernels.ActivationMath;

import java.util.Arrays;

/** Causal attention of one query head over the cached positions 0..position. */
final class AttentionHead {
    private AttentionHead() {
    }

    /**
     * Writes head h's output out[h·valueSize ..]. scores[sOff .. sOff + position] is this head's own scratch.
     * Query head h reads kv head h / group (grouped-query attention).
     */
    static void run(float[] q, float[] keys, float[] values, float[] out, float[] scores, int sOff, int position,
                    int h, int group, int kvHeads, int keySize, int valueSize) {
        int kvHead = h / group;
        int keyStride = kvHeads * keySize;
        int valueStride = kvHeads * valueSize;
        float scale = (float) (1.0 / Math.sqrt(keySize));
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t <= position; t++) {
            float s = VectorDots.dot(q, h * keySize, keys, t * keyStride + kvHead * keySize, keySize) * scale;
            scores[sOff + t] = s;
            max = Math.max(max, s);
        }
        float inv = (float) (1.0 / ActivationMath.shiftedExpInPlace(scores, sOff, position + 1, max));
        int o = h * valueSize;
        Arrays.fill(out, o, o + valueSize, 0f);
        for (int t = 0; t <= position; t++) {
            VectorDots.axpy(scores[sOff + t] * inv, values, t * valueStride + kvHead * valueSize, out, o, valueSize);
        }
    }
}
