package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;

/** out[r] = Σ_c w[r·cols + c] · x[c]: one work-group per row, strided partial sums reduced as a tree in local memory. */
final class MatvecKernel extends Kernel {
    float[] w;
    float[] x;
    float[] out;
    int cols;
    int group;
    @Local
    float[] part;

    MatvecKernel(int group) {
        this.group = group;
        this.part = new float[group];
    }

    @Override
    public void run() {
        int row = getGroupId(0);
        int l = getLocalId(0);
        float s = 0f;
        int base = row * cols;
        for (int c = l; c < cols; c += group) {
            s += w[base + c] * x[c];
        }
        part[l] = s;
        localBarrier();
        for (int step = group / 2; step > 0; step = step / 2) {
            if (l < step) {
                part[l] += part[l + step];
            }
            localBarrier();
        }
        if (l == 0) {
            out[row] = part[0];
        }
    }
}
