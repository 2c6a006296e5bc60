package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;

/** The RoPE angle tables llama2.c's export stores after the weights (freq_cis_real and freq_cis_imag). */
final class RopeTables {
    private RopeTables() {
    }

    /**
     * cos (or sin) of pos * theta^(-2i/headSize), shape [seqLen, headSize/2], float32. Computed as llama2.c's
     * model.py does, in float32: the frequency and the angle are rounded to float before the cosine, so the angles
     * match its export bit for bit. PyTorch's float32 cos/sin are not correctly rounded, so about one value in ten
     * differs from a stored table by one ulp; run.c never reads these tables, so the model is the same.
     */
    static Tensor freqCis(int seqLen, int headSize, double theta, boolean imaginary) {
        int pairs = headSize / 2;
        float[] frequency = new float[pairs];
        for (int i = 0; i < pairs; i++) {
            float exponent = (float) (2 * i) / headSize;
            frequency[i] = 1.0f / (float) Math.pow((float) theta, exponent);
        }
        Tensor t = Tensor.allocate(DType.F32, seqLen, pairs);
        for (int pos = 0; pos < seqLen; pos++) {
            for (int i = 0; i < pairs; i++) {
                float angle = pos * frequency[i];
                t.set((long) pos * pairs + i, imaginary ? (float) StrictMath.sin(angle) : (float) StrictMath.cos(angle));
            }
        }
        return t;
    }
}
