package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeFrequencies;

/**
 * RoPE on the rotated part of each head only (partial rotary, Phi-3.5/Phi-4-mini's partial_rotary_factor): the
 * leading {@link Positions.Rope#rotaryDims} dims of every head are gathered into one contiguous vector, rotated as
 * heads of that size (pair i at frequency theta^(-2i/rotated), pairs laid out within the rotated block as transformers'
 * rotate_half does on q[..., :rotary_dim]), and scattered back; the pass-through dims after them are untouched. A
 * layer without RoPE (SmolLM3's no_rope_layers) is left as it is. Whole-head RoPE goes straight to the kernels.
 */
final class RotaryPart {
    private RotaryPart() {
    }

    /** Rotates {@code vec} (heads × headSize) at {@code position} as layer {@code layer} of the model does. */
    static void apply(KernelBackend backend, float[] vec, int heads, int headSize, int layer, int position,
                      RopeFrequencies frequencies, Positions.Rope rope) {
        if (!rope.rotates(layer)) {
            return;
        }
        int rotated = rope.rotaryDims(headSize);
        if (rotated == headSize) {
            backend.rope(vec, heads, headSize, position, frequencies, rope.layout());
            return;
        }
        float[] part = new float[heads * rotated];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(vec, h * headSize, part, h * rotated, rotated);
        }
        backend.rope(part, heads, rotated, position, frequencies, rope.layout());
        for (int h = 0; h < heads; h++) {
            System.arraycopy(part, h * rotated, vec, h * headSize, rotated);
        }
    }

    /** The double-precision reference of {@link #apply}. */
    static void apply(double[] vec, int heads, int headSize, int layer, int position, RopeFrequencies frequencies,
                      Positions.Rope rope) {
        if (!rope.rotates(layer)) {
            return;
        }
        int rotated = rope.rotaryDims(headSize);
        double[] part = new double[heads * rotated];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(vec, h * headSize, part, h * rotated, rotated);
        }
        ReferenceMath.rope(part, heads, rotated, position, frequencies, rope.layout());
        for (int h = 0; h < heads; h++) {
            System.arraycopy(part, h * rotated, vec, h * headSize, rotated);
        }
    }
}
