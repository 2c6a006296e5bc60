package io.grow4j.kernels.opencl;

/**
 * Cosines and sines of RoPE's angles for one position, computed in double on the host: position × theta^(-2i/d)
 * reaches thousands of radians, where float argument reduction on a device would lose most digits.
 */
public final class RopeTables {
    private RopeTables() {
    }

    /** {cos, sin} of position · theta^(-2i/headSize) for pairs i &lt; headSize/2. */
    public static float[][] cosSin(int headSize, int position, double theta) {
        int half = headSize / 2;
        float[] cos = new float[half];
        float[] sin = new float[half];
        for (int i = 0; i < half; i++) {
            double angle = io.grow4j.kernels.RopeMath.angle(position, i, headSize, theta);
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
        return new float[][] {cos, sin};
    }
}
