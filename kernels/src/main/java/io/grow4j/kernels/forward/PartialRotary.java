package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;

/**
 * RoPE on the first 2 · frequencies.pairs() dims of each head only (GPT-NeoX's rotary_pct, Phi-3's
 * partial_rotary_factor), the rest passing through: pairs laid out within the rotated block as transformers'
 * rotate_half does on q[..., :rotary_dim]. Backends rotate whole heads, so the rotated parts are gathered into heads
 * of their own, rotated, and scattered back; whole-head RoPE goes to the backend as it is. The double reference
 * needs no such helper: {@code ReferenceMath.rope} rotates only the pairs its frequencies hold.
 */
final class PartialRotary {
    private PartialRotary() {
    }

    /**
     * @param vec heads × headSize, rotated in place
     * @param frequencies of the rotated part (its pairs() may be less than headSize / 2)
     */
    static void rope(KernelBackend backend, float[] vec, int heads, int headSize, int position,
                     RopeFrequencies frequencies, RopeLayout layout) {
        int rotary = 2 * frequencies.pairs();
        if (rotary == headSize) {
            backend.rope(vec, heads, headSize, position, frequencies, layout);
            return;
        }
        float[] parts = new float[heads * rotary];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(vec, h * headSize, parts, h * rotary, rotary);
        }
        backend.rope(parts, heads, rotary, position, frequencies, layout);
        for (int h = 0; h < heads; h++) {
            System.arraycopy(parts, h * rotary, vec, h * headSize, rotary);
        }
    }
}
