package io.grow4j.kernels.opencl;

import io.grow4j.model.RopeFrequencies;

/**
 * Cosines and sines of RoPE's angles for one position, computed in double on the host: position × inverse frequency
 * reaches thousands of radians, where float argument reduction on a device would lose most digits. Both are
 * multiplied by the attention factor (yarn, longrope), as transformers multiplies its cos and sin.
 */
public final class RopeTables {
    private RopeTables() {
    }

    /** {cos, sin} × attention factor of position · inverse frequency i for pairs i &lt; frequencies.pairs(). */
    public static float[][] cosSin(RopeFrequencies frequencies, int position) {
        int half = frequencies.pairs();
        double[] inverse = frequencies.inverseFrequencies(position);
        double factor = frequencies.attentionFactor();
        float[] cos = new float[half];
        float[] sin = new float[half];
        for (int i = 0; i < half; i++) {
            double angle = position * inverse[i];
            cos[i] = (float) (Math.cos(angle) * factor);
            sin[i] = (float) (Math.sin(angle) * factor);
        }
        return new float[][] {cos, sin};
    }
}
